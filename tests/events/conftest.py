"""Fixtures for event tests: a session factory on each database, the real outbox with a
way to read what was written into it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns.outbox import DeliveryOutbox, service_messages
from core.db import create_engine, create_session_factory
from core.outbox import TELEGRAM


class ReadableOutbox(DeliveryOutbox):
    """The outbox services write to, with what it holds for Telegram chats."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self.sessions = sessions

    async def sent(self) -> list[tuple[str, str]]:
        """(chat id, text) of every Telegram message written, oldest first."""
        async with self.sessions() as session:
            rows = await service_messages(session, TELEGRAM)
        return [(row.address or "", row.text or "") for row in rows]

    async def texts_to(self, chat_id: int) -> list[str]:
        return [text for address, text in await self.sent() if address == str(chat_id)]


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    # Enough pooled connections for the concurrency tests' 50 simultaneous sign-ups.
    engine = create_engine(db_url, pool_size=10, max_overflow=45)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def outbox(sessions: async_sessionmaker[AsyncSession]) -> ReadableOutbox:
    return ReadableOutbox(sessions)
