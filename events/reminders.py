"""Reminders 24 hours and 1 hour before an event, stored as rows so that they survive a
restart and are sent at most once.

``run_due_reminders`` is the background loop's call point: it claims due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas share the work; ``BEGIN IMMEDIATE``
on SQLite) and writes each into the outbox in the same transaction, so that a reminder is
queued exactly once; the delivery workers send it (``core.outbox``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from core.outbox import Outbox
from events.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderStatus,
)
from events.notices import notice_for, queue

OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def due_time(starts_at: datetime, kind: str) -> datetime:
    return starts_at - OFFSETS[kind]


async def schedule_reminders(
    session: AsyncSession, registration: Registration, event: Event, now: datetime
) -> None:
    """Pending reminders for a registration, for the moments still ahead. Rows are made
    for every registration; at sending time one without a Telegram chat is skipped."""
    existing = {
        r.kind: r
        for r in await session.scalars(
            select(Reminder).where(Reminder.registration_id == registration.id)
        )
    }
    for kind in OFFSETS:
        due = due_time(event.starts_at, kind)
        row = existing.get(kind)
        if row is None:
            row = Reminder(registration_id=registration.id, kind=kind)
            session.add(row)
        row.due_at, row.lease_until, row.attempts, row.sent_at = due, None, 0, None
        # A reminder whose moment has passed at sign-up is not sent (the 1-hour one covers
        # a sign-up on the eve; a sign-up in the last hour needs none).
        row.status = (ReminderStatus.PENDING if due > now else ReminderStatus.SKIPPED).value
    await session.flush()


async def skip_reminders(session: AsyncSession, registration_id: int) -> None:
    await session.execute(
        update(Reminder)
        .where(
            Reminder.registration_id == registration_id,
            Reminder.status == ReminderStatus.PENDING.value,
        )
        .values(status=ReminderStatus.SKIPPED.value)
    )


@dataclass
class ReminderReport:
    sent: int = 0  # written into the outbox
    skipped: int = 0  # no longer wanted, or the registrant has no chat
    unknown: int = 0  # left mid-send by an earlier version: given up


async def run_due_reminders(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    now: datetime | None = None,
    limit: int = 200,
) -> ReminderReport:
    """Put every reminder that is due into the outbox, once. Safe to run from several
    processes: each due row is claimed and written to the outbox in one transaction."""
    now = now or utcnow()
    report = ReminderReport()
    async with write_transaction(sessions) as session:
        # Rows left "sending" by an earlier version that sent directly: given up.
        stale = await session.execute(
            update(Reminder)
            .where(
                Reminder.status == ReminderStatus.SENDING.value,
                Reminder.lease_until < now,
            )
            .values(status=ReminderStatus.UNKNOWN.value)
        )
        report.unknown = stale.rowcount or 0  # type: ignore[attr-defined]
        claimed = list(
            await session.scalars(
                select(Reminder)
                .where(
                    Reminder.status == ReminderStatus.PENDING.value,
                    Reminder.due_at <= now,
                )
                .order_by(Reminder.due_at, Reminder.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for reminder in claimed:
            reminder.attempts += 1
            registration = await session.get(Registration, reminder.registration_id)
            assert registration is not None  # reminders are deleted with their registration
            notice = notice_for(registration, f"reminder_{reminder.kind}")
            if notice is None or not _still_wanted(reminder, registration, now):
                reminder.status = ReminderStatus.SKIPPED.value
                report.skipped += 1
                continue
            await queue(session, outbox, [notice])
            reminder.status, reminder.sent_at = ReminderStatus.SENT.value, now
            report.sent += 1
    return report


def _still_wanted(reminder: Reminder, registration: Registration, now: datetime) -> bool:
    event = registration.event
    if registration.status != RegistrationStatus.CONFIRMED.value:
        return False
    if event.status != EventStatus.PUBLISHED.value or now >= event.starts_at:
        return False
    # A late 24-hour reminder inside the last hour would only duplicate the 1-hour one.
    return not (reminder.kind == "24h" and now >= due_time(event.starts_at, "1h"))
