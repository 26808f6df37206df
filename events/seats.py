"""Seat arithmetic: how many seats are taken, and who comes off the waitlist.

Callers hold the event's lock (see ``events.service``) while they use these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from events.models import SEATED, Event, EventStatus, Registration, RegistrationStatus


@dataclass(frozen=True)
class SeatCount:
    seated: int = 0  # seats of confirmed and attended registrations
    waitlisted: int = 0  # waitlisted registrations
    registrations: int = 0  # registrations that are not cancelled


async def seat_counts(session: AsyncSession, event_ids: list[int]) -> dict[int, SeatCount]:
    if not event_ids:
        return {}
    seated = func.sum(case((Registration.status.in_(SEATED), Registration.seats), else_=0))
    waiting = func.sum(
        case((Registration.status == RegistrationStatus.WAITLISTED.value, 1), else_=0)
    )
    live = func.sum(case((Registration.status != RegistrationStatus.CANCELLED.value, 1), else_=0))
    rows = await session.execute(
        select(Registration.event_id, seated, waiting, live)
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id)
    )
    counts = {event_id: SeatCount() for event_id in event_ids}
    for event_id, s, w, n in rows:
        counts[event_id] = SeatCount(int(s or 0), int(w or 0), int(n or 0))
    return counts


async def promote_waitlist(session: AsyncSession, event: Event) -> list[Registration]:
    """Confirm waitlisted registrations in queue order while their seats fit.

    Strictly in order: when the first in line needs more seats than are free, nobody
    behind it jumps the queue.
    """
    if event.status != EventStatus.PUBLISHED.value:
        return []
    seated = (await seat_counts(session, [event.id]))[event.id].seated
    waiting = await session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(Registration.queued_at, Registration.id)
    )
    promoted: list[Registration] = []
    for registration in waiting:
        if seated + registration.seats > event.capacity:
            break
        registration.status = RegistrationStatus.CONFIRMED.value
        registration.confirmed_at = utcnow()
        seated += registration.seats
        promoted.append(registration)
    await session.flush()
    return promoted
