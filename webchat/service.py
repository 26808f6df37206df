"""Web chats: open one, recognise the browser by its key, ask, hand off, fetch messages."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import DomainError, NotFound
from core.outbox import WEB as CHANNEL
from knowledge.answer import Answer
from knowledge.feedback import FeedbackOutcome, record_feedback
from knowledge.models import AnswerLog, OpenQuestion
from knowledge.open_questions import attach_chat, question_for
from knowledge.questions import ask_and_record
from knowledge.service import KnowledgeBase
from webchat.models import WebChat, WebMessage

MAX_MESSAGES = 50


class UnknownChat(DomainError):
    """The browser's chat key is missing, wrong or expired: it should open a new chat."""

    code = "unknown_chat"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def user_key(chat: WebChat) -> str:
    return f"{CHANNEL}:{chat.id}"


async def open_chat(session: AsyncSession, locale: str = "zh") -> tuple[WebChat, str]:
    """A new chat and its key (shown to the browser once; only its hash is stored)."""
    key = secrets.token_urlsafe(24)
    chat = WebChat(key_hash=_hash(key), locale=locale)
    session.add(chat)
    await session.flush()
    return chat, key


async def chat_for_key(session: AsyncSession, key: str | None, touch: bool = True) -> WebChat:
    """The chat this key opens; ``touch`` records it as seen (skipped by polling reads)."""
    if not key:
        raise UnknownChat("open a chat first (POST /api/v1/web/chats)")
    chat = await session.scalar(select(WebChat).where(WebChat.key_hash == _hash(key)))
    if chat is None:
        raise UnknownChat("unknown chat key; open a new chat")
    if touch:
        chat.last_seen_at = utcnow()
    return chat


async def ask_in_chat(
    session: AsyncSession, kb: KnowledgeBase, chat: WebChat, question: str, locale: str
) -> tuple[Answer, AnswerLog]:
    """A question nothing answers waits for an officer, whose answer comes to this chat."""
    chat.locale = locale
    return await ask_and_record(
        session,
        kb,
        question,
        channel=CHANNEL,
        user_key=user_key(chat),
        chat_id=chat.id,
        locale=locale,
    )


async def hand_off(session: AsyncSession, chat: WebChat, answer_log_id: int) -> OpenQuestion:
    """Pass one of this chat's questions to an officer; the answer will come to this chat.

    Works for questions the assistant answered too (the asker was not satisfied).
    """
    log_row = await session.get(AnswerLog, answer_log_id)
    if log_row is None or log_row.user_key != user_key(chat):
        raise NotFound(f"question {answer_log_id} is not in this chat")
    question = await question_for(session, log_row)
    return await attach_chat(session, question.id, CHANNEL, chat.id)


async def feedback_in_chat(
    session: AsyncSession, chat: WebChat, answer_log_id: int, helpful: bool
) -> FeedbackOutcome:
    """A vote on one of this chat's answers (anyone else's answer does not exist for it)."""
    log_row = await session.get(AnswerLog, answer_log_id)
    if log_row is None or log_row.user_key != user_key(chat):
        raise NotFound(f"answer {answer_log_id} is not in this chat")
    return await record_feedback(session, answer_log_id, user_key(chat), helpful)


HISTORY = 50  # exchanges shown again when the page comes back


@dataclass(frozen=True)
class Said:
    """One thing in a chat's history: a question with its answer, or an officer's message."""

    at: datetime
    exchange: AnswerLog | None = None
    message: WebMessage | None = None


async def history(session: AsyncSession, chat: WebChat, limit: int = HISTORY) -> list[Said]:
    """The chat's last ``limit`` exchanges and officers' messages, oldest first: what the
    page shows again after a reload or on the next visit."""
    exchanges = await session.scalars(
        select(AnswerLog)
        .where(AnswerLog.user_key == user_key(chat))
        .order_by(AnswerLog.id.desc())
        .limit(limit)
    )
    messages = await session.scalars(
        select(WebMessage)
        .where(WebMessage.chat_id == chat.id)
        .order_by(WebMessage.id.desc())
        .limit(limit)
    )
    said = [Said(row.created_at, exchange=row) for row in exchanges]
    said += [Said(row.created_at, message=row) for row in messages]
    # An answer and the officer's message written in the same instant: the question first.
    said.sort(key=lambda s: (s.at, s.message is not None))
    return said[-limit:]


async def messages_after(session: AsyncSession, chat: WebChat, after: int) -> list[WebMessage]:
    query = (
        select(WebMessage)
        .where(WebMessage.chat_id == chat.id, WebMessage.id > after)
        .order_by(WebMessage.id)
        .limit(MAX_MESSAGES)
    )
    return list(await session.scalars(query))
