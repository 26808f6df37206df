"""Users' votes on answers: one vote per user per answer; tapping again changes it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, SmallInteger, String, UniqueConstraint, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.errors import NotFound
from core.upsert import insert_for
from knowledge.models import AnswerLog


class AnswerFeedback(Base):
    """A 👍 (+1) or 👎 (-1) on one logged answer, from one user."""

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("answer_log_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint below (answer_log_id first) also serves lookups by answer.
    answer_log_id: Mapped[int] = mapped_column(ForeignKey("answer_logs.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(80))
    vote: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # The rated answer, with its question: loaded only where asked for (the admin's table).
    answer_log: Mapped[AnswerLog] = relationship(lazy="raise")


class FeedbackOutcome(enum.StrEnum):
    RECORDED = "recorded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


async def record_feedback(
    session: AsyncSession, answer_log_id: int, user_key: str, helpful: bool
) -> FeedbackOutcome:
    """Store the user's vote on an answer.

    A repeated vote (a double tap) changes nothing; the opposite vote replaces the first.
    Two taps racing each other still leave exactly one row.
    """
    if await session.get(AnswerLog, answer_log_id) is None:
        raise NotFound(f"answer {answer_log_id} does not exist")
    vote = 1 if helpful else -1
    existing = await _find(session, answer_log_id, user_key)
    if existing is None:
        now = utcnow()
        statement = insert_for(session, AnswerFeedback).values(
            answer_log_id=answer_log_id,
            user_key=user_key,
            vote=vote,
            created_at=now,
            updated_at=now,
        )
        result = cast(
            "CursorResult[Any]",
            await session.execute(
                statement.on_conflict_do_nothing(index_elements=["answer_log_id", "user_key"])
            ),
        )
        if result.rowcount == 1:  # the insert won (not a racing double tap)
            return FeedbackOutcome.RECORDED
        existing = await _find(session, answer_log_id, user_key)
        assert existing is not None
    if existing.vote == vote:
        return FeedbackOutcome.UNCHANGED
    existing.vote = vote
    await session.flush()
    return FeedbackOutcome.CHANGED


async def _find(session: AsyncSession, answer_log_id: int, user_key: str) -> AnswerFeedback | None:
    return await session.scalar(
        select(AnswerFeedback).where(
            AnswerFeedback.answer_log_id == answer_log_id, AnswerFeedback.user_key == user_key
        )
    )


async def feedback_totals(session: AsyncSession, answer_log_id: int) -> tuple[int, int]:
    """(👍 count, 👎 count) for one answer."""
    votes = list(
        await session.scalars(
            select(AnswerFeedback.vote).where(AnswerFeedback.answer_log_id == answer_log_id)
        )
    )
    return votes.count(1), votes.count(-1)
