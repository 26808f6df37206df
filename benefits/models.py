"""Tables of benefit matching: the rules officers maintain, per-chat company profiles, and
the log that keeps rule-change notifications to one per company per day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class BenefitRule(Base):
    """One rule, stored as the validated data of ``rules.yaml`` (``data``).

    Seeded from the knowledge pack (``origin='pack'``); once an officer writes a rule its
    origin becomes ``admin`` and later pack updates leave it alone. Deleted rules stay as
    inactive rows so that the pack does not bring them back.
    """

    __tablename__ = "benefit_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(20), default="pack")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BenefitProfile(Base):
    """The profile facts a chat gave in the benefits conversation (absent fact = unknown)."""

    __tablename__ = "benefit_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Facts asked in the current round of questions (answered or "not sure").
    asked: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BenefitNotification(Base):
    """One rule-change message to one chat on one (China Standard Time) day.

    The unique (chat_id, day) pair is the guarantee of at most one such message a day,
    also when two notices are prepared at the same time: the second insert is skipped.
    The message itself is a delivery of the benefit-notice campaign ``campaign_id``.
    """

    __tablename__ = "benefit_notifications"
    __table_args__ = (UniqueConstraint("chat_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
