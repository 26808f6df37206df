"""Reminders 24 hours and 1 hour before an event, stored as rows so that they survive a
restart and are sent at most once.

``run_due_reminders`` is the worker's call point: it claims due rows under a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas share the work; ``BEGIN IMMEDIATE``
on SQLite), sends each through the notifier and records the outcome. A row whose worker
died mid-send is marked ``unknown`` and never retried: Telegram has no idempotency key,
and a lost reminder is better than a doubled one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from core.notify import Notifier
from events.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderStatus,
)
from events.notices import CHANNEL, notice_for

log = logging.getLogger(__name__)

OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
LEASE = timedelta(minutes=5)


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
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0  # no sender for the channel in this process: left pending
    unknown: int = 0  # stale leases found and given up
    errors: list[str] = field(default_factory=list)


async def run_due_reminders(
    sessions: async_sessionmaker[AsyncSession],
    notifier: Notifier,
    *,
    now: datetime | None = None,
    limit: int = 200,
    lease: timedelta = LEASE,
) -> ReminderReport:
    """Send every reminder that is due, once. Safe to run from several processes."""
    now = now or utcnow()
    report = ReminderReport()
    async with write_transaction(sessions) as session:
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
            reminder.status = ReminderStatus.SENDING.value
            reminder.lease_until = now + lease
            reminder.attempts += 1
    for reminder in claimed:
        await _send_one(sessions, notifier, reminder.id, now, report)
    return report


async def _send_one(
    sessions: async_sessionmaker[AsyncSession],
    notifier: Notifier,
    reminder_id: int,
    now: datetime,
    report: ReminderReport,
) -> None:
    # Read, send, then record in a separate write transaction: a SQLite read transaction
    # that outlived another worker's commit could not write any more.
    async with sessions() as session:
        reminder = await session.get(Reminder, reminder_id)
        assert reminder is not None
        registration = await session.get(Registration, reminder.registration_id)
        assert registration is not None
        notice = notice_for(registration, f"reminder_{reminder.kind}")
        wanted = _still_wanted(reminder, registration, now)
    if notice is None or not wanted:
        report.skipped += 1
        await _record(sessions, reminder_id, status=ReminderStatus.SKIPPED.value)
        return
    try:
        handed_over = await notifier.send(CHANNEL, str(notice.chat_id), notice.text)
    except Exception as exc:  # the channel refused it (blocked bot, bad chat, ...)
        log.warning("reminder %s failed: %s", reminder_id, exc)
        report.failed += 1
        report.errors.append(f"reminder {reminder_id}: {exc!r}")
        await _record(
            sessions, reminder_id, status=ReminderStatus.FAILED.value, last_error=repr(exc)[:500]
        )
        return
    if handed_over:
        report.sent += 1
        await _record(sessions, reminder_id, status=ReminderStatus.SENT.value, sent_at=utcnow())
    else:  # nothing was sent; a process with a Telegram sender will pick it up
        report.deferred += 1
        await _record(sessions, reminder_id, status=ReminderStatus.PENDING.value, lease_until=None)


async def _record(
    sessions: async_sessionmaker[AsyncSession], reminder_id: int, **values: object
) -> None:
    async with write_transaction(sessions) as session:
        await session.execute(update(Reminder).where(Reminder.id == reminder_id).values(**values))


def _still_wanted(reminder: Reminder, registration: Registration, now: datetime) -> bool:
    event = registration.event
    if registration.status != RegistrationStatus.CONFIRMED.value:
        return False
    if event.status != EventStatus.PUBLISHED.value or now >= event.starts_at:
        return False
    # A late 24-hour reminder inside the last hour would only duplicate the 1-hour one.
    return not (reminder.kind == "24h" and now >= due_time(event.starts_at, "1h"))
