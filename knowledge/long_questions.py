"""Long questions: read the start of one that is too long, and answer the parts of one
that asks several things at once.

A message of a few sentences ("我们是一家机械企业……专利质押贷款怎么申请？另外贯标奖励多少？")
rarely matches one place in the documents as a whole, though each of its questions may.
When the whole gets no confident answer, its parts are asked one by one and the confident
answers are shown together, each under the part it answers and with its own citation.
The bot and the web chat share this through ``knowledge.questions.ask_and_record``.
"""

from __future__ import annotations

import re

from core.i18n import translate
from core.typed_answers import looks_like_question
from knowledge.answer import Answer
from knowledge.service import KnowledgeBase

# A question this long, of at least two parts, is worth answering part by part.
MIN_SPLIT_CHARS = 40
MIN_PART_CHARS = 6  # shorter pieces ("好的。", "谢谢！") join the next part
MAX_PARTS = 5  # each part is one more search
_PART_END = re.compile(r"(?<=[。！？!?；;\n])")


def clip_question(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` characters of a question, and whether anything was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip(), True


def question_parts(text: str) -> list[str]:
    """The parts of a long question worth asking on their own, in order: its sentences
    (the questions among them when some are plainly questions), at most ``MAX_PARTS``.
    Fewer than two parts: nothing to split."""
    if len(text) < MIN_SPLIT_CHARS:
        return []
    parts: list[str] = []
    pending = ""
    for piece in _PART_END.split(text):
        pending += piece.strip()
        if len(pending) >= MIN_PART_CHARS:
            parts.append(pending)
            pending = ""
    if pending:
        if parts:
            parts[-1] += pending
        else:
            parts.append(pending)
    questions = [part for part in parts if looks_like_question(part)]
    chosen = (questions or parts)[:MAX_PARTS]
    return chosen if len(chosen) >= 2 else []


async def answer_parts(
    kb: KnowledgeBase, text: str, *, locale: str = "zh", include_expired: bool = False
) -> Answer | None:
    """One answer made of the confident answers to the parts of ``text``, each under the
    part it answers with its citation; None when no part is answered confidently."""
    answered: list[tuple[str, Answer]] = []
    parts = question_parts(text)
    for part in parts:
        answer = await kb.answer_off_loop(part, locale=locale, include_expired=include_expired)
        if answer.answered:
            answered.append((part, answer))
    if not answered:
        return None
    sections = [translate(locale, "knowledge.parts.intro")]
    for n, (part, answer) in enumerate(answered, start=1):
        heading = translate(locale, "knowledge.parts.heading", n=n, part=part)
        sections.append(f"{heading}\n{answer.answer}")
    if len(answered) < len(parts):
        sections.append(translate(locale, "knowledge.parts.rest_not_found"))
    text_with_citations = "\n\n".join(sections)
    return Answer(
        answered=True,
        confidence=min(answer.confidence for _, answer in answered),
        answer=text_with_citations,
        sources=[answer.sources[0] for _, answer in answered if answer.sources],
        body=text_with_citations,
    )
