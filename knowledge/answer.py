"""From ranked hits to a grounded answer with sources and a confidence in [0, 1].

Nothing is generated: the answer is an FAQ answer written by the office, a subsidy rule,
or the sentences of the best clause that answer the question (the amount, the date, the
condition), quoted with the document and article they come from. When another document
rules on the same matter (a national law and a regional regulation, an old plan and a new
办法), the answer names it too. When confidence is below the threshold, the answer says
honestly that nothing was found.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from knowledge.chunking import without_article_number
from knowledge.question_types import SPECIFIC, gives, question_type, says_unspecified
from knowledge.search import Hit
from knowledge.tokenize import tokens

NOT_FOUND_TEXT = "抱歉,现有政策资料中没有找到能回答这个问题的内容。问题已记录,将转交工作人员答复。"
NOT_FOUND_TEXT_EN = (
    "Sorry, the policy documents we hold do not answer this question. It has been recorded "
    "and passed to an officer."
)

# Confidence: a logistic function of the best unit's signals — its dense similarity, the
# share of the question's words it contains, and whether it states the kind of answer
# asked for. Fitted with scripts/fit_search.py on the development corpora (answerable and
# off-topic questions of a plan with its FAQ, regional IP regulations, national and
# regional competition and technology law, an office 办法), an answerable question
# refused counting 1.5 times an off-topic one answered. The README gives the refusal rates,
# fitted and held out. Another embedding model needs its own threshold
# (POLICYDESK_ANSWER_THRESHOLD), checked with `policydesk eval`.
CONFIDENCE_BIAS = -104.14
CONFIDENCE_DENSE = 116.80
CONFIDENCE_COVERAGE = 5.31
CONFIDENCE_GIVES = 0.55
LEAD_SENTENCES = 2
OFFICER_ANSWER = "工作人员答复"  # the citation of an FAQ entry officers wrote without a document
_SENTENCE = re.compile(r"[^。;；!?！？\n]+[。;；!?！？]?")


@dataclass
class Source:
    kind: str
    document: str
    section: str
    text: str
    quote: str
    score: float
    dated: str | None = None  # the document's date; for an officer's answer, the day written
    cited: str = ""  # the citation as the asker reads it (their language, the office's name)

    @property
    def officer_answer(self) -> bool:
        """An FAQ entry officers wrote that rests on no document."""
        return not self.document

    @property
    def citation(self) -> str:
        if self.officer_answer:
            return OFFICER_ANSWER
        return f"《{self.document}》{self.section}"


@dataclass
class Answer:
    answered: bool
    confidence: float
    answer: str  # the answer with its citation, for clients that show one text
    sources: list[Source] = field(default_factory=list)
    open_question_id: int | None = None
    # The answer without the citation line, for clients that list the sources under it
    # (the bot, the web chat); a rule's verbatim clause stays in it.
    body: str = ""

    def __post_init__(self) -> None:
        self.body = self.body or self.answer

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def confidence_of(hit: Hit) -> float:
    z = (
        CONFIDENCE_BIAS
        + CONFIDENCE_DENSE * hit.dense
        + CONFIDENCE_COVERAGE * hit.coverage
        + CONFIDENCE_GIVES * hit.gives
    )
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def source_of(hit: Hit, top_score: float | None = None) -> Source:
    """The source to list for a hit: what is shown, and the clause it rests on."""
    entry = hit.entry
    # The verbatim text behind the item: an FAQ's whole passage (its clause in context), a
    # rule's own clause (the answer quotes it), a passage itself.
    passage = hit.passage.text if hit.passage is not None else ""
    quote = passage if entry.kind == "faq" and passage else entry.quote or passage
    relative = 1.0 if top_score is None else min(1.0, math.exp(hit.score - top_score))
    return Source(
        kind=entry.kind,
        document=entry.document,
        section=entry.section,
        text=entry.text,
        quote=quote,
        score=round(relative, 4),
        dated=entry.dated,
    )


def _day(dated: str | None, zone: tzinfo) -> str | None:
    """The office's day of an ISO date or UTC moment."""
    if not dated or "T" not in dated:
        return dated
    return datetime.fromisoformat(dated).astimezone(zone).date().isoformat()


def cite(source: Source, locale: str = "zh", office: str = "", zone: tzinfo = UTC) -> str:
    """The citation in the asker's language; an officer's answer names the office and the
    day (on the office's clock) it was written: 工作人员答复（示例市知识产权局，2026-12-07）."""
    if not source.officer_answer:
        return source.citation
    about = [part for part in (office, _day(source.dated, zone)) if part]
    if locale == "en":
        return "an officer's answer" + (f" ({', '.join(about)})" if about else "")
    return OFFICER_ANSWER + (f"（{'，'.join(about)}）" if about else "")


def lead_sentences(clause: str, question: str) -> str:
    """The sentence(s) of a clause that answer the question, in the clause's order: those
    stating what is asked (an amount, a date, …), else those sharing most of its words."""
    sentences = [s.strip() for s in _SENTENCE.findall(clause) if s.strip()]
    if len(sentences) <= 1:
        return without_article_number(clause)
    asked = question_type(question)
    words = set(tokens(question))

    def overlap(sentence: str) -> int:
        return len(words & set(tokens(sentence)))

    ranked = sorted(
        range(len(sentences)),
        key=lambda i: (-(gives(sentences[i], asked)), -overlap(sentences[i]), i),
    )
    chosen = sorted(ranked[:LEAD_SENTENCES])
    # The article number is in the citation already.
    return without_article_number("".join(sentences[i] for i in chosen))


SILENT_COVERAGE = 0.5


def silent_on(hit: Hit, question: str) -> bool:
    """An FAQ or rule saying its document does not give the specific the question asks."""
    return (
        question_type(question) in SPECIFIC
        and hit.entry.kind != "passage"
        and says_unspecified(hit.entry.text)
    )


def reorder(hits: list[Hit], question: str, threshold: float = 0.0) -> list[Hit]:
    """An FAQ or rule saying its document is silent on the specific asked (an amount, a
    date) never leads while another document's unit states it and is confident enough to
    answer on its own: that unit goes first."""
    top = hits[0]
    if not silent_on(top, question):
        return hits
    for index, hit in enumerate(hits[1:10], start=1):
        if (
            hit.gives
            and hit.entry.document != top.entry.document
            and confidence_of(hit) >= threshold
        ):
            return [hit, *hits[:index], *hits[index + 1 :]]
    return hits


def _also(hits: list[Hit], margin: float) -> Hit | None:
    """A close runner-up from another document: the answer names it too."""
    top = hits[0]
    for hit in hits[1:3]:
        if hit.entry.document != top.entry.document and hit.score >= top.score - margin:
            return hit
    return None


ALSO_MARGIN = 0.3


def newer(hit: Hit, than: Hit) -> bool:
    """``hit``'s document took effect after ``than``'s (both dates known)."""
    mine, theirs = hit.entry.dated, than.entry.dated
    return mine is not None and theirs is not None and mine > theirs


def compose(
    hits: list[Hit],
    threshold: float,
    faq_threshold: float,
    locale: str = "zh",
    question: str = "",
    office: str = "",
    zone: tzinfo = UTC,
) -> Answer:
    """The answer to show for these hits (best first); ``office`` and ``zone`` (its clock)
    name the office and the day in the citation of an officer's answer."""
    not_found = NOT_FOUND_TEXT_EN if locale == "en" else NOT_FOUND_TEXT
    if not hits:
        return Answer(False, 0.0, not_found)
    hits = reorder(hits, question, threshold)
    top = hits[0]
    confidence = round(confidence_of(top), 4)
    if silent_on(top, question) and top.coverage < SILENT_COVERAGE:
        # "The plan sets no amount" answers an amount question only on the FAQ's own topic.
        confidence = round(confidence * top.coverage / SILENT_COVERAGE, 4)
    sources = [source_of(hit, top.score) for hit in hits[:10]]
    for source in sources:
        source.cited = cite(source, locale, office, zone)
    if confidence < threshold:
        return Answer(False, confidence, not_found, sources)
    # Two documents ruling on the same matter (an old plan and a newer 办法, a law and a
    # later regulation): the answer shows both, the newer first when it is confident enough
    # to answer on its own. The sources stay in the order of the ranking.
    also = _also(hits, ALSO_MARGIN)
    lead, other = top, also
    if also is not None and newer(also, top) and confidence_of(also) >= threshold:
        lead, other = also, top
    en = locale == "en"
    # Punctuation of the cited lines: full-width in Chinese, ASCII in English.
    colon, opening, closing = (": ", "(", ")") if en else ("：", "（", "）")
    basis = "Source" if en else "依据"
    best = sources[hits.index(lead)]  # lead and other are among the first three hits
    second = sources[hits.index(other)] if other is not None else None
    if lead.entry.kind == "faq" and confidence_of(lead) >= faq_threshold:
        body = best.text
        text = f"{best.text}\n{opening}{basis}{colon}{best.cited}{closing}"
        if best.officer_answer:  # it stands on its own: no other document's clauses under it
            sources = [best, second] if second is not None else [best]
    elif lead.entry.kind == "rule":
        body = f"{best.text}\n“{best.quote}”"
        text = f"{best.text}\n{opening}{basis}{colon}{best.cited}{colon}“{best.quote}”{closing}"
    else:
        clause = best.text
        excerpt = lead_sentences(clause, question) if question else clause
        whole = excerpt == without_article_number(clause)
        according = f"{basis}{colon}{best.cited}" if en else f"根据{best.cited}{colon}"
        body = clause if whole else f"“{excerpt}”\n\n{clause}"
        text = f"{according}\n{excerpt}" if whole else f"{according}\n“{excerpt}”"
    if second is not None:
        quoted = second.quote or second.text
        excerpt = lead_sentences(quoted, question) if question else second.text
        note = f"Also{colon}{second.cited}" if en else f"另见{second.cited}"
        body += f"\n\n{note}{colon}“{excerpt}”"
        text += f"\n\n{note}{colon}“{excerpt}”"
    return Answer(True, confidence, text, sources, body=body)
