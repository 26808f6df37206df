"""The event a benefit's next step leads to: the soonest one of the benefit's event kinds
(``Rule.event_kinds``) that is still open for sign-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from events.models import Event
from events.service import list_public_events, registration_open


async def open_events(
    session: AsyncSession, kinds: Iterable[str], now: datetime | None = None
) -> dict[str, Event]:
    """For each kind, the soonest published event still taking sign-ups (kinds without one
    are left out)."""
    now = now or utcnow()
    out: dict[str, Event] = {}
    for kind in sorted(set(kinds)):
        for event in await list_public_events(session, kind=kind, now=now):
            if registration_open(event, now):
                out[kind] = event
                break
    return out
