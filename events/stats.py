"""Registrations per event, for the officers' figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events.models import Event, Registration, RegistrationStatus


@dataclass
class EventFigures:
    event_id: int
    title: str
    starts_at: str
    capacity: int
    confirmed: int
    waitlisted: int
    cancelled: int
    attended: int


async def registrations_per_event(session: AsyncSession, limit: int = 50) -> list[EventFigures]:
    """The latest events (by start) with their sign-ups counted by status."""

    def count(status: RegistrationStatus) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((Registration.status == status.value, 1), else_=0)), 0)

    rows = await session.execute(
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.capacity,
            count(RegistrationStatus.CONFIRMED),
            count(RegistrationStatus.WAITLISTED),
            count(RegistrationStatus.CANCELLED),
            count(RegistrationStatus.ATTENDED),
        )
        .outerjoin(Registration, Registration.event_id == Event.id)
        .group_by(Event.id, Event.title, Event.starts_at, Event.capacity)
        .order_by(Event.starts_at.desc())
        .limit(limit)
    )
    return [
        EventFigures(
            int(i), str(title), starts.isoformat(), int(cap), int(c), int(w), int(x), int(a)
        )
        for i, title, starts, cap, c, w, x, a in rows.all()
    ]
