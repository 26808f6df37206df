"""The events an officer may aim a campaign at ("🗓 活动报名者"), chosen from a list:
published events from a while ago on, each with how many subscribers its live
registrants are now (what the segment ``{"event_id": …}`` would reach)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.segments import event_audience
from campaigns.subscribers import Subscriber
from core.outbox import TELEGRAM
from events.models import Event, EventStatus

# How far back an event is still offered: a follow-up to a training goes out within weeks.
LOOKBACK = timedelta(days=90)
OFFERED = 10


@dataclass(frozen=True)
class EventTarget:
    id: int
    title: str
    starts_at: datetime
    reachable: int  # subscribed chats registered for it (not cancelled)


async def event_targets(
    session: AsyncSession, now: datetime, limit: int = OFFERED
) -> list[EventTarget]:
    """Published events starting after ``now - LOOKBACK``, the latest first."""
    reachable = (
        select(func.count(Subscriber.id))
        .where(
            Subscriber.subscribed.is_(True),
            Subscriber.blocked.is_(False),
            Subscriber.channel == TELEGRAM,
            Subscriber.chat_id.in_(event_audience(Event.id)),
        )
        .correlate(Event)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Event.id, Event.title, Event.starts_at, reachable)
        .where(Event.status == EventStatus.PUBLISHED.value, Event.starts_at >= now - LOOKBACK)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    return [EventTarget(id_, title, starts, int(count or 0)) for id_, title, starts, count in rows]
