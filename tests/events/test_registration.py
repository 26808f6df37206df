"""Sign-up rules: waitlist, duplicates, refusals, cancellation and promotion, check-in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow
from core.errors import Conflict, InvalidInput
from events.checkin import check_in
from events.errors import (
    AlreadyRegistered,
    EventCancelled,
    EventNotFound,
    NotCheckedIn,
    RegistrationClosed,
    RegistrationNotFound,
)
from events.models import Company, FinancingNeed, Registration, Reminder
from events.queries import waitlist_position
from events.registration import cancel_registration, register
from events.schemas import EventPatch, FinancingNeedIn
from events.service import update_event
from tests.events.conftest import ReadableOutbox
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

Sessions = async_sessionmaker[AsyncSession]


async def test_seats_over_capacity_go_to_the_waitlist_in_order(sessions: Sessions) -> None:
    event = await new_event(sessions, event_in(capacity=3))
    statuses = []
    for n in range(5):
        done = await register(sessions, event.id, registration_form(n))
        statuses.append(done.registration.status)
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    async with sessions() as session:
        last = await session.get(Registration, done.registration.id)
        assert last is not None and await waitlist_position(session, last) == 2


async def test_a_multi_seat_request_that_does_not_fit_is_waitlisted(sessions: Sessions) -> None:
    event = await new_event(sessions, event_in(capacity=3))
    assert (
        await register(sessions, event.id, registration_form(1, seats=2))
    ).registration.status == "confirmed"
    assert (
        await register(sessions, event.id, registration_form(2, seats=2))
    ).registration.status == "waitlisted"
    # Nobody jumps the queue, even when one seat is free and a single seat is asked for.
    assert (
        await register(sessions, event.id, registration_form(3))
    ).registration.status == "waitlisted"


async def test_second_registration_of_a_company_is_refused_with_the_first(
    sessions: Sessions,
) -> None:
    event = await new_event(sessions, event_in())
    first = await register(sessions, event.id, registration_form(7))
    with pytest.raises(AlreadyRegistered) as caught:
        await register(sessions, event.id, registration_form(7))
    assert isinstance(caught.value, Conflict)
    existing = caught.value.extra["existing"]
    assert isinstance(existing, dict) and existing["id"] == first.registration.id
    assert "secret" not in existing and "checkin_code" not in existing
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1


async def test_refusals_after_deadline_for_cancelled_and_draft_events(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    closed = await new_event(
        sessions, event_in(starts_in=timedelta(days=2), deadline_in=timedelta(hours=-1))
    )
    with pytest.raises(RegistrationClosed):
        await register(sessions, closed.id, registration_form(1))
    draft = await new_event(sessions, event_in(status="draft"))
    with pytest.raises(EventNotFound):
        await register(sessions, draft.id, registration_form(1))
    with pytest.raises(EventNotFound):
        await register(sessions, 999_999, registration_form(1))
    live = await new_event(sessions, event_in())
    await update_event(sessions, outbox, live.id, EventPatch(status="cancelled"))
    with pytest.raises(EventCancelled):
        await register(sessions, live.id, registration_form(1))
    async with sessions() as session:
        # Nothing half-written: no company rows from the refused attempts.
        assert await session.scalar(select(func.count()).select_from(Company)) == 0


async def test_financing_need_is_stored_for_matchmaking_only(sessions: Sessions) -> None:
    need = FinancingNeedIn(
        amount_wan=Decimal("500"),
        patents=["ZL 2017 1 0601862.3", "ZL99113861.9"],
        purpose="购置设备",
        preferred_banks=["中国银行焦作分行"],
    )
    training = await new_event(sessions, event_in())
    with pytest.raises(InvalidInput) as caught:
        await register(sessions, training.id, registration_form(1, need=need))
    assert caught.value.field == "financing_need"
    matchmaking = await new_event(sessions, event_in(kind="financing_matchmaking"))
    done = await register(sessions, matchmaking.id, registration_form(1, need=need))
    async with sessions() as session:
        stored = await session.scalar(select(FinancingNeed))
        assert stored is not None and stored.registration_id == done.registration.id
        assert stored.patents == ["ZL201710601862.3", "ZL99113861.9"]
        assert stored.amount_wan == Decimal("500.00")


async def test_cancel_by_secret_promotes_the_next_and_tells_it(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(capacity=1))
    first = await register(sessions, event.id, registration_form(1), chat_id=101)
    second = await register(sessions, event.id, registration_form(2), chat_id=102)
    third = await register(sessions, event.id, registration_form(3), chat_id=103)
    assert second.registration.status == third.registration.status == "waitlisted"
    with pytest.raises(RegistrationNotFound):
        await cancel_registration(sessions, outbox, secret="guessed")
    cancelled = await cancel_registration(sessions, outbox, secret=first.secret)
    assert cancelled.status == "cancelled"
    async with sessions() as session:
        promoted = await session.get(Registration, second.registration.id)
        waiting = await session.get(Registration, third.registration.id)
        assert promoted is not None and promoted.status == "confirmed"
        assert waiting is not None and waiting.status == "waitlisted"
    [text] = await outbox.texts_to(102)
    assert "专利信息检索培训" in text and promoted.checkin_code in text
    assert await outbox.texts_to(103) == [] and await outbox.texts_to(101) == []
    # A second cancel is harmless and promotes nobody else.
    again = await cancel_registration(sessions, outbox, secret=first.secret)
    assert again.status == "cancelled" and len(await outbox.sent()) == 1


async def test_officer_cancel_and_chat_cancel(sessions: Sessions, outbox: ReadableOutbox) -> None:
    event = await new_event(sessions, event_in(capacity=1))
    first = await register(sessions, event.id, registration_form(1), chat_id=201)
    second = await register(sessions, event.id, registration_form(2), chat_id=202)
    with pytest.raises(RegistrationNotFound):  # another chat cannot cancel it
        await cancel_registration(
            sessions, outbox, registration_id=first.registration.id, chat_id=999
        )
    await cancel_registration(sessions, outbox, registration_id=first.registration.id, by="office")
    assert len(await outbox.texts_to(201)) == 1 and len(await outbox.texts_to(202)) == 1
    done = await cancel_registration(
        sessions, outbox, registration_id=second.registration.id, chat_id=202
    )
    assert done.status == "cancelled"


async def test_a_cancelled_company_may_register_again_at_the_end_of_the_queue(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(capacity=1))
    first = await register(sessions, event.id, registration_form(1))
    await register(sessions, event.id, registration_form(2))
    await cancel_registration(sessions, outbox, secret=first.secret)
    again = await register(sessions, event.id, registration_form(1))
    assert again.registration.id == first.registration.id
    assert again.registration.status == "waitlisted" and again.secret != first.secret


async def test_event_cancelled_by_office_tells_every_registrant(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(capacity=1))
    await register(sessions, event.id, registration_form(1), chat_id=301)
    await register(sessions, event.id, registration_form(2), chat_id=302)
    await register(sessions, event.id, registration_form(3))  # from the API: no chat
    await update_event(sessions, outbox, event.id, EventPatch(status="cancelled"))
    assert {address for address, _ in (await outbox.sent())} == {"301", "302"}
    assert all("取消" in text for _, text in (await outbox.sent()))
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.status == "pending")
        )
        assert pending == 0


async def test_more_capacity_promotes_and_less_than_taken_is_refused(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(capacity=2))
    await register(sessions, event.id, registration_form(1))
    await register(sessions, event.id, registration_form(2))
    waiting = await register(sessions, event.id, registration_form(3), chat_id=403)
    with pytest.raises(InvalidInput) as caught:
        await update_event(sessions, outbox, event.id, EventPatch(capacity=1))
    assert caught.value.field == "capacity"
    with pytest.raises(Conflict):
        await update_event(sessions, outbox, event.id, EventPatch(status="draft"))
    await update_event(sessions, outbox, event.id, EventPatch(capacity=3))
    async with sessions() as session:
        row = await session.get(Registration, waiting.registration.id)
        assert row is not None and row.status == "confirmed"
    assert len(await outbox.texts_to(403)) == 1


async def test_check_in_by_code(sessions: Sessions) -> None:
    event = await new_event(sessions, event_in(capacity=1))
    first = await register(sessions, event.id, registration_form(1))
    second = await register(sessions, event.id, registration_form(2))
    registration, before = await check_in(
        sessions, event.id, first.registration.checkin_code.lower()
    )
    assert registration.status == "attended" and before is False
    assert registration.checked_in_at is not None and registration.checked_in_at <= utcnow()
    _, before = await check_in(sessions, event.id, first.registration.checkin_code)
    assert before is True
    with pytest.raises(NotCheckedIn):
        await check_in(sessions, event.id, second.registration.checkin_code)
    with pytest.raises(RegistrationNotFound):
        await check_in(sessions, event.id, "NOPE0000")


async def test_registering_again_after_cancelling_replaces_the_financing_need(
    sessions: Sessions, outbox: ReadableOutbox
) -> None:
    event = await new_event(sessions, event_in(kind="financing_matchmaking"))
    first_need = FinancingNeedIn(amount_wan=Decimal("100"), patents=["ZL99113861.9"])
    first = await register(sessions, event.id, registration_form(1, need=first_need))
    await cancel_registration(sessions, outbox, secret=first.secret)
    second_need = FinancingNeedIn(amount_wan=Decimal("250.5"), purpose="研发")
    again = await register(sessions, event.id, registration_form(1, need=second_need))
    assert again.registration.status == "confirmed"
    async with sessions() as session:
        [need] = list(await session.scalars(select(FinancingNeed)))
    assert (need.amount_wan, need.patents, need.purpose) == (Decimal("250.50"), [], "研发")
