"""Campaigns, their deliveries (one row per recipient) and the shared send-rate slots."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """A delivery's life: pending → claimed (leased to a worker, not sent yet) → inflight
    (committed just before the request) → sent | blocked | failed. A claimed row whose lease
    expires goes back to pending; an inflight row whose lease expires becomes unknown and is
    never sent again. Rows whose subscriber left before their turn become skipped."""

    PENDING = "pending"
    CLAIMED = "claimed"
    INFLIGHT = "inflight"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNKNOWN = "unknown"
    # WeChat: the person has not written to the account for 48 h, so it may not message them
    OUT_OF_WINDOW = "no_window"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class CampaignKind(StrEnum):
    """Who writes a campaign. Officers write broadcasts; the system writes the others
    (their text is per recipient and not editable): a benefit notice tells companies
    which new or changed subsidy rules now fit them."""

    BROADCAST = "broadcast"
    BENEFIT_NOTICE = "benefit_notice"


OPEN_DELIVERY = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.INFLIGHT)


class Campaign(Base):
    __tablename__ = "campaigns"
    # A front door that may submit the same draft twice (a double tap in the bot) names
    # it with a key; the unique index turns the second submission into a conflict.
    __table_args__ = (Index("ix_campaigns_request_key", "request_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(1000))
    button_text: Mapped[str | None] = mapped_column(String(64))
    button_url: Mapped[str | None] = mapped_column(String(1000))
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=CampaignStatus.DRAFT.value)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    request_key: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(
        String(20), default=CampaignKind.BROADCAST.value, server_default="broadcast"
    )
    # What a system campaign is about (for a benefit notice: the rule changes); its
    # deliveries are made from it when the campaign starts.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Delivery(Base):
    """One message to one person: a campaign's delivery to a subscriber, or a service
    message (an officer's answer, an event notice) with no campaign. The table is the
    outbox every outgoing message passes through (see ``core.outbox``)."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "subscriber_id"),
        Index("ix_campaign_deliveries_claim", "status", "campaign_id", "next_attempt_at"),
        Index("ix_campaign_deliveries_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE")
    )
    # A campaign's Telegram chat; service messages use ``channel`` and ``address``.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    address: Mapped[str | None] = mapped_column(String(128))
    topic: Mapped[str | None] = mapped_column(String(32))
    header_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))
    # This recipient's own text instead of the campaign's, if set: Telegram HTML for a
    # campaign's row, plain text for a service message.
    text: Mapped[str | None] = mapped_column(Text)


class RateSlot(Base):
    """The next free send slot (Unix seconds, database clock) for one rate-limit key."""

    __tablename__ = "send_rate_slots"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)
