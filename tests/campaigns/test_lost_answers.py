"""Network failures through aiogram's real session and the emulator: a request whose
answer was lost may have been delivered, so it is counted ``unknown`` and never sent
again; a request that surely never arrived (no connection, or a 5xx answer) is retried."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns import service
from campaigns.models import Delivery
from campaigns.ratelimit import LocalRateLimiter
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from core.transport import Outcome, OutgoingMessage
from testing.botapi_emulator import BotAPIEmulator
from tests.campaigns.factories import add_subscribers, emulator_settings, start_campaign

FAST = WorkerConfig(poll=0.05)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


def received(emu: BotAPIEmulator, chat_id: int) -> int:
    """Messages from the bot in the chat as the user sees it (whatever the bot was told)."""
    return sum(1 for m in emu.messages(chat_id) if m["from"]["is_bot"])


async def deliveries(
    sessions: async_sessionmaker[AsyncSession], campaign_id: int
) -> dict[int, tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Delivery.chat_id, Delivery.status, Delivery.attempts).where(
                Delivery.campaign_id == campaign_id
            )
        )
        return {chat: (status, attempts) for chat, status, attempts in rows.all()}


async def run_worker(
    sessions: async_sessionmaker[AsyncSession], emu: BotAPIEmulator, wait: float = 20.0
) -> None:
    port = TelegramPort(
        create_bot(emulator_settings(emu.base_url), wait_on_flood=False, timeout=wait)
    )
    await Worker(sessions, port, LocalRateLimiter(), FAST).run(until_idle=True)
    await port.close()


async def test_a_lost_answer_counts_unknown_and_a_5xx_is_retried(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 4)
    lost_after, lost_before, server_error = chats[1], chats[2], chats[3]
    async with BotAPIEmulator() as emu:
        # Telegram delivered the message, then the connection dropped before the answer.
        emu.inject("sendMessage", status=None, delivered=True, chat_id=lost_after)
        # Dropped before anything happened: the client cannot tell it from the above.
        emu.inject("sendMessage", status=None, chat_id=lost_before)
        # A 502 answered before delivery: safe, and needed, to send again.
        emu.inject("sendMessage", status=502, chat_id=server_error)
        campaign_id = await start_campaign(sessions)
        await run_worker(sessions, emu)
        assert [received(emu, chat) for chat in chats] == [1, 1, 0, 1]
    assert await deliveries(sessions, campaign_id) == {
        chats[0]: ("sent", 1),
        lost_after: ("unknown", 1),  # never sent a second time
        lost_before: ("unknown", 1),
        server_error: ("sent", 2),
    }
    async with sessions() as session:
        campaign = await service.get_campaign(session, campaign_id)
        stats = await service.campaign_stats(session, campaign)
    assert campaign.status == "done"
    assert (stats.sent, stats.unknown, stats.failed) == (2, 2, 0)


async def test_a_timeout_after_delivery_counts_unknown(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [chat] = await add_subscribers(sessions, 1)
    async with BotAPIEmulator() as emu:
        # Delivered, but the answer comes long after the client stopped waiting (1 s).
        emu.inject("sendMessage", status=500, delivered=True, delay=5.0, chat_id=chat)
        campaign_id = await start_campaign(sessions)
        await run_worker(sessions, emu, wait=1.0)
        assert received(emu, chat) == 1
    [(status, attempts)] = (await deliveries(sessions, campaign_id)).values()
    assert (status, attempts) == ("unknown", 1)


async def test_no_connection_is_worth_retrying() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port_number = probe.getsockname()[1]
    port = TelegramPort(
        create_bot(emulator_settings(f"http://127.0.0.1:{port_number}"), wait_on_flood=False)
    )
    try:
        result = await port.send(7_000_000_001, OutgoingMessage("<b>hi</b>"))
    finally:
        await port.close()
    assert result.outcome == Outcome.TRANSIENT and "ClientConnectorError" in result.error
