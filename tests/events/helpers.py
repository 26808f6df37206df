"""Small async helpers shared by event tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from events.models import Event
from events.schemas import EventIn
from events.service import create_event


async def new_event(sessions: async_sessionmaker[AsyncSession], data: EventIn) -> Event:
    async with sessions() as session:
        event = await create_event(session, data)
        await session.commit()
    return event
