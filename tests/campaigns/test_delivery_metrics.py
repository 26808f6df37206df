"""Delivery figures on ``/metrics``: every closed delivery counted once under its outcome,
retries only when they end, lost answers and deliveries reaped as unknown, and the queue
depth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns import service
from campaigns.models import Delivery, DeliveryStatus
from campaigns.ratelimit import LocalRateLimiter
from campaigns.subscribers import Subscriber
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory, utcnow
from core.settings import Settings
from testing.botapi_emulator import BotAPIEmulator
from tests.api.test_observability import sample
from tests.campaigns.factories import (
    FakePort,
    add_subscribers,
    delivery_statuses,
    emulator_settings,
    start_campaign,
)

OUTCOMES = ("sent", "blocked", "failed", "unknown")
DEPTH = "policydesk_delivery_queue_depth"


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def scrape(tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A client of a serving app's ``/metrics`` (which needs no runtime)."""
    app = create_app(Settings(data_dir=tmp_path))  # type: ignore[call-arg]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def figures(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    found = {o: sample(text, "policydesk_deliveries_total", outcome=o) for o in OUTCOMES}
    return {**found, "depth": sample(text, DEPTH)}


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {o: after[o] - before[o] for o in OUTCOMES}


async def test_a_run_against_the_emulator_counts_each_final_outcome_once(
    sessions: async_sessionmaker[AsyncSession], scrape: httpx.AsyncClient
) -> None:
    chats = await add_subscribers(sessions, 40)
    blocked_on_telegram = set(chats[1:5])
    rejected, flaky, throttled, left_before_turn, lost = chats[5:10]
    campaign_id = await start_campaign(sessions)
    async with sessions() as session:  # blocked the bot (seen by the bot) after the start
        await session.execute(
            update(Subscriber).where(Subscriber.chat_id == left_before_turn).values(blocked=True)
        )
        await session.commit()
    async with BotAPIEmulator() as emu:
        for chat_id in blocked_on_telegram:
            emu.block(chat_id)
        emu.inject("sendMessage", status=400, chat_id=rejected, description="Bad Request: no")
        emu.inject("sendMessage", status=500, chat_id=flaky, times=2)  # sent on attempt 3
        emu.inject("sendMessage", status=429, chat_id=throttled, retry_after=1)
        # Delivered, but the connection drops before the answer: counted unknown at once.
        emu.inject("sendMessage", status=None, chat_id=lost, delivered=True)
        port = TelegramPort(create_bot(emulator_settings(emu.base_url), wait_on_flood=False))
        worker = Worker(sessions, port, LocalRateLimiter(), WorkerConfig(rate=200, poll=0.05))
        before = await figures(scrape)
        await worker.housekeeping()
        assert (await figures(scrape))["depth"] == 40
        await worker.run(until_idle=True)
        await port.close()
        flaky_calls = [
            c for c in emu.requests if c.method == "sendMessage" and str(c.chat_id) == str(flaky)
        ]
    after = await figures(scrape)

    statuses = await delivery_statuses(sessions, campaign_id)
    async with sessions() as session:
        stats = await service.campaign_stats(
            session, await service.get_campaign(session, campaign_id)
        )
    assert [c.status for c in flaky_calls] == [500, 500, 200]  # two retries before the end
    assert statuses[throttled] == statuses[flaky] == "sent"
    assert statuses[rejected] == "failed" and statuses[left_before_turn] == "blocked"
    assert statuses[lost] == "unknown"
    assert delta(after, before) == {"sent": 33, "blocked": 5, "failed": 1, "unknown": 1}
    assert (stats.sent, stats.blocked, stats.failed, stats.unknown) == (33, 5, 1, 1)
    assert after["depth"] == 0


async def test_deliveries_reaped_from_a_lost_worker_count_unknown(
    sessions: async_sessionmaker[AsyncSession], scrape: httpx.AsyncClient
) -> None:
    await add_subscribers(sessions, 5)
    campaign_id = await start_campaign(sessions)
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Delivery.id).where(Delivery.campaign_id == campaign_id).order_by(Delivery.id)
            )
        )
        expired = utcnow() - timedelta(seconds=5)
        await session.execute(  # a worker died during three requests and one claim
            update(Delivery)
            .where(Delivery.id.in_(ids[:3]))
            .values(status=DeliveryStatus.INFLIGHT, worker="w-gone", lease_until=expired)
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.id == ids[3])
            .values(status=DeliveryStatus.CLAIMED, worker="w-gone", lease_until=expired)
        )
        await session.commit()
    before = await figures(scrape)
    await Worker(sessions, FakePort()).housekeeping()
    after = await figures(scrape)
    assert delta(after, before) == {"sent": 0, "blocked": 0, "failed": 0, "unknown": 3}
    assert after["depth"] == 2  # the released claim and the untouched one
