"""Tables of event registration: companies, contacts, events, registrations, financing
needs and reminders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class EventKind(StrEnum):
    TRAINING = "training"
    FINANCING_MATCHMAKING = "financing_matchmaking"
    OTHER = "other"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


# Statuses that hold seats.
SEATED = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.ATTENDED.value)


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker under a lease
    SENT = "sent"
    SKIPPED = "skipped"  # registration or event no longer live, or no chat to send to
    FAILED = "failed"  # the channel refused it
    UNKNOWN = "unknown"  # a worker died mid-send: never retried, to avoid a double send


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[str | None] = mapped_column(String(60))
    industry: Mapped[str | None] = mapped_column(String(60))
    above_designated_size: Mapped[bool | None] = mapped_column(Boolean)
    invention_patents: Mapped[int | None] = mapped_column(Integer)
    utility_model_patents: Mapped[int | None] = mapped_column(Integer)
    design_patents: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Contact(Base):
    """A person at a company; ``telegram_chat_id`` when they signed up from the bot."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("company_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(11))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship(lazy="joined")


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Registration(Base):
    """One company's sign-up for one event. The waitlist order is the ``queued_at`` order."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "company_id"),
        UniqueConstraint("event_id", "checkin_code", name="uq_registrations_event_checkin"),
        Index("ix_registrations_event_status", "event_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="api")
    checkin_code: Mapped[str] = mapped_column(String(12))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(20))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the registrant typed about the company and themselves. A public sign-up never
    # rewrites the stored company or contact; officers compare and decide.
    submitted: Mapped[dict[str, object] | None] = mapped_column(JSON)

    event: Mapped[Event] = relationship(lazy="joined")
    company: Mapped[Company] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined")
    financing_need: Mapped[FinancingNeed | None] = relationship(
        lazy="selectin", back_populates="registration", cascade="all, delete-orphan"
    )


class FinancingNeed(Base):
    """What a company seeks at a pledge-financing matchmaking event."""

    __tablename__ = "financing_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    amount_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    patents: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    preferred_banks: Mapped[list[str]] = mapped_column(JSON, default=list)

    registration: Mapped[Registration] = relationship(back_populates="financing_need")


class Reminder(Base):
    """A reminder row per registration and kind, so it survives restarts and is sent once."""

    __tablename__ = "event_reminders"
    __table_args__ = (
        UniqueConstraint("registration_id", "kind"),
        Index("ix_event_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "24h" | "1h"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=ReminderStatus.PENDING.value)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
