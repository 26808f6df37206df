"""Asking on behalf of a user: log the answer and open a question for officers when the
assistant does not know."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from knowledge.answer import Answer
from knowledge.conversation import context_for
from knowledge.long_questions import answer_parts
from knowledge.models import AnswerLog, OpenQuestion
from knowledge.normalize import normalize
from knowledge.service import KnowledgeBase


async def ask_and_record(
    session: AsyncSession,
    kb: KnowledgeBase,
    question: str,
    *,
    channel: str = "api",
    user_key: str | None = None,
    chat_id: int | None = None,
    locale: str = "zh",
    include_expired: bool = False,
) -> tuple[Answer, AnswerLog]:
    """Answer, record the exchange, and open a question for officers when not answered.

    A follow-up is read with the same ``user_key``'s earlier question (the last half hour).
    A long question of several parts that gets no confident answer as a whole is answered
    part by part (``knowledge.long_questions``).

    The index answering is the one loaded in this process; serving processes follow new
    versions through their index refresher (``policydesk.runtime.start_background``).
    """
    text = kb.validate_question(question)
    context = await context_for(session, user_key, text)
    answer = await kb.answer_off_loop(
        text, locale=locale, include_expired=include_expired, context=context
    )
    if not answer.answered:
        answer = (
            await answer_parts(kb, text, locale=locale, include_expired=include_expired) or answer
        )
    metrics.record_question(channel, answer.answered)
    log_row = AnswerLog(
        question=text,
        answered=answer.answered,
        confidence=answer.confidence,
        answer=answer.answer,
        body=answer.body,
        sources=[s.__dict__ for s in answer.sources[:3]],
        channel=channel,
        user_key=user_key,
    )
    session.add(log_row)
    await session.flush()
    if not answer.answered:
        open_question = OpenQuestion(
            question=text,
            normalized=normalize(text),
            channel=channel,
            chat_id=chat_id,
            user_key=user_key,
            answer_log_id=log_row.id,
        )
        session.add(open_question)
        await session.flush()
        answer.open_question_id = open_question.id
    return answer, log_row
