"""Reminders 24 h and 1 h before the start: stored, sent once, skipped when moot."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow
from events.models import Reminder
from events.registration import cancel_registration, register
from events.reminders import run_due_reminders
from events.schemas import EventPatch
from events.service import update_event
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime, start_background
from tests.conftest import make_settings
from tests.events.conftest import ReadableOutbox
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

Sessions = async_sessionmaker[AsyncSession]


async def _statuses(sessions: Sessions) -> dict[tuple[int, str], str]:
    async with sessions() as session:
        rows = await session.scalars(select(Reminder))
        return {(r.registration_id, r.kind): r.status for r in rows}


async def test_each_reminder_is_sent_once_at_its_time(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    now = utcnow()
    event = await new_event(sessions, event_in(starts_in=timedelta(days=2), now=now))
    done = await register(sessions, event.id, registration_form(1), chat_id=501)
    await register(sessions, event.id, registration_form(2))  # API sign-up: no chat

    assert (await run_due_reminders(sessions, outbox, now=now)).sent == 0
    day_before = event.starts_at - timedelta(hours=23)
    report = await run_due_reminders(sessions, outbox, now=day_before)
    assert (report.sent, report.skipped) == (1, 1)
    [text] = await outbox.texts_to(501)
    assert "明天" in text and done.registration.checkin_code in text
    # A restart, or a second worker, finds nothing more to send.
    again = await run_due_reminders(sessions, outbox, now=day_before)
    assert (again.sent, again.skipped) == (0, 0)

    hour_before = event.starts_at - timedelta(minutes=59)
    assert (await run_due_reminders(sessions, outbox, now=hour_before)).sent == 1
    texts = await outbox.texts_to(501)
    assert len(texts) == 2 and "1小时" in texts[1]
    assert (await run_due_reminders(sessions, outbox, now=hour_before)).sent == 0


async def test_concurrent_workers_send_each_reminder_once(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(starts_in=timedelta(days=2), capacity=20))
    for n in range(8):
        await register(sessions, event.id, registration_form(n), chat_id=600 + n)
    when = event.starts_at - timedelta(hours=20)
    reports = await asyncio.gather(
        *(run_due_reminders(sessions, outbox, now=when, limit=3) for _ in range(4))
    )
    while (await run_due_reminders(sessions, outbox, now=when, limit=3)).sent:
        pass
    assert sorted(address for address, _ in (await outbox.sent())) == [
        str(600 + n) for n in range(8)
    ]
    assert sum(r.sent for r in reports) <= 8


async def test_reminders_skip_cancelled_waitlisted_and_follow_a_new_start(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(starts_in=timedelta(days=3), capacity=1))
    first = await register(sessions, event.id, registration_form(1), chat_id=701)
    waiting = await register(sessions, event.id, registration_form(2), chat_id=702)
    await cancel_registration(sessions, outbox, secret=first.secret)  # 702 promoted
    await register(sessions, event.id, registration_form(3), chat_id=703)  # waitlisted
    assert ["候补转正" in t for t in await outbox.texts_to(702)] == [True]
    later = event.starts_at + timedelta(days=1)
    await update_event(sessions, outbox, event.id, EventPatch(starts_at=later))
    old_time = event.starts_at - timedelta(hours=20)
    assert (await run_due_reminders(sessions, outbox, now=old_time)).sent == 0
    report = await run_due_reminders(sessions, outbox, now=later - timedelta(hours=20))
    assert report.sent == 1 and len(await outbox.texts_to(702)) == 2  # promoted, reminded
    statuses = await _statuses(sessions)
    assert statuses[(first.registration.id, "24h")] == "skipped"
    assert statuses[(waiting.registration.id, "24h")] == "sent"


async def test_a_reminder_to_a_registrant_without_a_chat_is_skipped(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(starts_in=timedelta(days=2)))
    await register(sessions, event.id, registration_form(1))  # signed up on the web
    report = await run_due_reminders(sessions, outbox, now=event.starts_at - timedelta(hours=20))
    assert report.skipped == 1 and report.sent == 0 and await outbox.sent() == []


async def test_a_lease_that_expired_mid_send_is_marked_unknown(sessions: Sessions) -> None:
    event = await new_event(sessions, event_in(starts_in=timedelta(days=2)))
    await register(sessions, event.id, registration_form(1), chat_id=901)
    when = event.starts_at - timedelta(hours=20)
    async with sessions() as session:
        row = await session.scalar(select(Reminder).where(Reminder.kind == "24h"))
        assert row is not None
        row.status, row.lease_until = "sending", when - timedelta(minutes=1)
        await session.commit()
    recorded = ReadableOutbox(sessions)
    report = await run_due_reminders(sessions, recorded, now=when)
    assert report.unknown == 1 and await recorded.sent() == []


async def test_serving_processes_queue_due_reminders_in_the_background(
    sessions: Sessions, tmp_path: Path
) -> None:
    event = await new_event(sessions, event_in(starts_in=timedelta(days=2)))
    await register(sessions, event.id, registration_form(1), chat_id=1001)
    async with sessions() as session:  # the 24-hour reminder falls due now
        await session.execute(
            update(Reminder).where(Reminder.kind == "24h").values(due_at=utcnow())
        )
        await session.commit()
    settings = make_settings(tmp_path, reminder_poll_seconds=0.05, index_poll_seconds=0)
    engine = sessions.kw["bind"]

    recorded = ReadableOutbox(sessions)
    runtime = Runtime(settings, engine, sessions, KnowledgeBase(settings), recorded)
    start_background(runtime)
    assert runtime.background.names == ["event-reminders"]

    async def by_kind() -> dict[str, str]:
        return {kind: status for (_, kind), status in (await _statuses(sessions)).items()}

    # Until the send is recorded, not just made: stopping mid-write would (rightly) leave
    # the row in flight. Bounded, so that a bug fails instead of hanging.
    for _ in range(400):
        if (await by_kind())["24h"] == "sent":
            break
        await asyncio.sleep(0.05)
    await runtime.background.stop(grace=5)
    [text] = await recorded.texts_to(1001)
    assert "明天" in text
    assert await by_kind() == {"24h": "sent", "1h": "pending"}
