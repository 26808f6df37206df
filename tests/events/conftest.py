"""Fixtures for event tests: a session factory on each database, a recording notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import create_engine, create_session_factory
from core.notify import Notifier
from events.notices import CHANNEL


class RecordingNotifier(Notifier):
    """A notifier with a Telegram notice sender that records (chat, text) instead of sending."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

        async def record(address: str, text: str) -> None:
            self.sent.append((address, text))

        self.register(CHANNEL, record)

    def texts_to(self, chat_id: int) -> list[str]:
        return [text for address, text in self.sent if address == str(chat_id)]


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    # Enough pooled connections for the concurrency tests' 50 simultaneous sign-ups.
    engine = create_engine(db_url, pool_size=10, max_overflow=45)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()
