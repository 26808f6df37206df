"""Questions the assistant could not answer, and officers' answers going back to the asker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.outbox import CHANNELS, Message, Outbox
from knowledge.models import AnswerLog, OpenQuestion
from knowledge.normalize import normalize

MAX_ANSWER_CHARS = 4000
# The heading an officer's answer is shown under, in the asker's language.
OFFICER_ANSWER_HEADER = "bot.officer.reply"
# Between an answer and an officer's follow-up in ``OpenQuestion.answer``, which keeps them all.
FOLLOW_UP_SEPARATOR = "\n\n——\n"


async def list_open_questions(
    session: AsyncSession, status: str | None = "open"
) -> list[OpenQuestion]:
    query = select(OpenQuestion).order_by(OpenQuestion.created_at, OpenQuestion.id)
    if status:
        query = query.where(OpenQuestion.status == status)
    return list(await session.scalars(query))


async def question_for(
    session: AsyncSession, log_row: AnswerLog, *, status: str = "open"
) -> OpenQuestion:
    """The officers' question for this answered exchange: the existing one, or a new one
    (``status`` "open" puts it in the officers' queue at once)."""
    question = await session.scalar(
        select(OpenQuestion).where(OpenQuestion.answer_log_id == log_row.id)
    )
    if question is None:
        question = OpenQuestion(
            question=log_row.question,
            normalized=normalize(log_row.question),
            channel=log_row.channel,
            user_key=log_row.user_key,
            answer_log_id=log_row.id,
            status=status,
        )
        session.add(question)
        await session.flush()
    return question


async def attach_chat(
    session: AsyncSession,
    question_id: int,
    channel: str,
    chat_id: int,
    *,
    user_key: str | None = None,
) -> OpenQuestion:
    """Tie an open question to the chat that asked it (the asker tapped "ask an officer").

    With ``user_key``, only the person who asked may do so: anyone else is told the
    question does not exist, so that a forged button cannot redirect an officer's answer.
    """
    row = await session.get(OpenQuestion, question_id)
    if row is None or (user_key is not None and row.user_key != user_key):
        raise NotFound(f"question {question_id} does not exist")
    row.channel, row.chat_id = channel, chat_id
    return row


async def answer_open_question(
    session: AsyncSession,
    outbox: Outbox,
    question_id: int,
    answer: str,
    officer: str,
    *,
    follow_up: bool = False,
) -> OpenQuestion:
    """Record an officer's answer and put it into the outbox for the asker, on the
    channel they asked on, in this transaction (committed with the answer or not at all).

    Answering twice is refused (409) so that a double click never messages the asker twice.
    With ``follow_up`` an answered question takes a further answer (an officer adding to
    what they said): it is recorded after the earlier answer(s) and sent to the asker too;
    only the same text again is refused.
    """
    text = (answer or "").strip()
    if not text:
        raise InvalidInput("the answer is empty", field="answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidInput(
            f"the answer is longer than {MAX_ANSWER_CHARS} characters", field="answer"
        )
    row = await session.get(OpenQuestion, question_id, with_for_update=True)
    if row is None:
        raise NotFound(f"question {question_id} does not exist")
    if row.status == "answered":
        said = (row.answer or "").split(FOLLOW_UP_SEPARATOR)
        if not follow_up or text in said:
            raise Conflict(f"question {question_id} has already been answered")
        text_kept = f"{row.answer}{FOLLOW_UP_SEPARATOR}{text}"
    else:
        text_kept = text
    row.status, row.answer, row.answered_by, row.answered_at = (
        "answered",
        text_kept,
        officer,
        utcnow(),
    )
    await session.flush()
    if reachable(row):
        message = Message(
            row.channel,
            str(row.chat_id),
            f"{row.question}\n\n{text}",
            topic="officer_answer",
            header_key=OFFICER_ANSWER_HEADER,
        )
        await outbox.put(session, message)
    return row


def reachable(row: OpenQuestion) -> bool:
    """Whether an answer to this question can reach its asker (asked in a chat, not
    through the bare API)."""
    return row.chat_id is not None and row.channel in CHANNELS
