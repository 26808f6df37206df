"""At Telegram's limits (30/s per bot, 1/s per chat) the worker stays within them and
honours ``retry_after`` when told to wait."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from testing.botapi_emulator import BotAPIEmulator, RateLimits
from tests.campaigns.factories import add_subscribers, emulator_settings, start_campaign


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_paced_under_the_limits_and_a_429_pauses_all_sending(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 90)
    limits = RateLimits(global_per_second=30, per_chat_per_second=1)
    async with BotAPIEmulator(rate_limits=limits) as emu:
        # The 20th request is told to wait 2 s, as Telegram does under flood control.
        emu.inject("sendMessage", status=429, retry_after=2, times=1, chat_id=chats[19])
        await start_campaign(sessions)
        port = TelegramPort(create_bot(emulator_settings(emu.base_url), wait_on_flood=False))
        # 25/s against the emulator's 30/s: the pacing is under test, not how close to the
        # limit a loaded machine can schedule (bench/broadcast.py measures that). Unpaced,
        # the 90 sends would go out at once and most would be told 429.
        worker = Worker(sessions, port, config=WorkerConfig(poll=0.05, rate=25))
        await worker.run(until_idle=True)
        await port.close()
        calls = [c for c in emu.requests if c.method == "sendMessage"]
    ok = [c for c in calls if c.ok]
    assert Counter(int(c.chat_id) for c in ok) == dict.fromkeys(chats, 1)  # type: ignore[arg-type]
    injected = [c for c in calls if c.status == 429 and c.injected]
    limited = [c for c in calls if c.status == 429 and not c.injected]
    # Paced, the limiter itself (almost) never says 429; on a loaded machine the emulator
    # sharing our event loop may see two sends bunched together once or twice.
    assert len(injected) == 1 and len(limited) <= 2
    assert worker.throttled == 1 + len(limited)
    # After each 429 nothing new was sent for retry_after seconds (requests already on the
    # wire when it arrived aside: allow those in the first 100 ms).
    for told in injected:
        wait = float((told.error_parameters or {}).get("retry_after", 1))
        assert [c for c in calls if told.time + 0.1 < c.time < told.time + wait - 0.1] == []
