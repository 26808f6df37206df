"""The last seats go to exactly as many companies as fit, under truly concurrent sign-ups."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from events.models import Registration
from events.registration import register
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event


async def test_fifty_concurrent_sign_ups_for_the_last_ten_seats(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    event = await new_event(sessions, event_in(capacity=30))
    for n in range(20):  # 20 seats already taken
        await register(sessions, event.id, registration_form(n))
    start = asyncio.Event()

    async def sign_up(n: int) -> str:
        await start.wait()  # all 50 tasks hit the database at once
        done = await register(sessions, event.id, registration_form(1000 + n))
        return done.registration.status

    tasks = [asyncio.create_task(sign_up(n)) for n in range(50)]
    await asyncio.sleep(0)
    start.set()
    outcome = Counter(await asyncio.gather(*tasks))
    assert outcome == {"confirmed": 10, "waitlisted": 40}
    async with sessions() as session:
        seated = await session.scalar(
            select(func.sum(Registration.seats)).where(
                Registration.event_id == event.id, Registration.status == "confirmed"
            )
        )
        assert seated == 30
        # The waitlist order is the order of commits: every waitlisted sign-up was queued
        # after every confirmed one among the 50.
        late = list(
            await session.scalars(
                select(Registration)
                .where(Registration.event_id == event.id)
                .order_by(Registration.queued_at, Registration.id)
            )
        )
        assert [r.status for r in late] == ["confirmed"] * 30 + ["waitlisted"] * 40


async def test_double_tapped_confirm_makes_one_registration(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    event = await new_event(sessions, event_in(capacity=5))
    results = await asyncio.gather(
        *(register(sessions, event.id, registration_form(42)) for _ in range(5)),
        return_exceptions=True,
    )
    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Registered": 1, "AlreadyRegistered": 4}
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Registration))
        assert count == 1


async def test_a_new_company_signing_up_for_two_events_at_once_is_stored_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await new_event(sessions, event_in())
    second = await new_event(sessions, event_in())
    # Each sign-up locks its own event, so both try to insert the same new company; the
    # loser's unique-constraint error is retried and finds the winner's row.
    done = await asyncio.gather(
        register(sessions, first.id, registration_form(77)),
        register(sessions, second.id, registration_form(77)),
    )
    assert {d.registration.status for d in done} == {"confirmed"}
    assert done[0].registration.company_id == done[1].registration.company_id
