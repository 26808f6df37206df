"""Broadcasts through aiogram's real session to the Bot API emulator (in this process)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns import service
from campaigns.ratelimit import LocalRateLimiter
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from testing.botapi_emulator import BotAPIEmulator, RateLimits
from tests.campaigns.factories import (
    add_subscribers,
    delivery_statuses,
    emulator_settings,
    start_campaign,
)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


def delivered(emu: BotAPIEmulator) -> Counter[int]:
    return Counter(int(call.chat_id) for call in emu.sent(method="sendMessage"))  # type: ignore[arg-type]


async def test_ten_thousand_recipients_each_get_it_exactly_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 10_000)
    blocked = set(chats[::500])  # 20 users blocked the bot
    async with BotAPIEmulator(rate_limits=RateLimits(per_chat_per_second=1)) as emu:
        for chat_id in blocked:
            emu.block(chat_id)
        campaign_id = await start_campaign(sessions)
        port = TelegramPort(create_bot(emulator_settings(emu.base_url), wait_on_flood=False))
        config = WorkerConfig(rate=5000, poll=0.05, batch=500)
        await Worker(sessions, port, LocalRateLimiter(), config).run(until_idle=True)
        await port.close()
        counts = delivered(emu)
    expected = set(chats) - blocked
    assert set(counts) == expected  # 0 missing, nobody blocked
    assert max(counts.values()) == 1  # 0 duplicates
    statuses = await delivery_statuses(sessions, campaign_id)
    assert Counter(statuses.values()) == {"sent": 9_980, "blocked": 20}
    async with sessions() as session:
        campaign = await service.get_campaign(session, campaign_id)
        stats = await service.campaign_stats(session, campaign)
    assert campaign.status == "done"
    assert (stats.targeted, stats.sent, stats.blocked, stats.failed, stats.unknown) == (
        10_000,
        9_980,
        20,
        0,
        0,
    )
