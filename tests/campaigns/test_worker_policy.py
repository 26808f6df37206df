"""The worker's delivery policy against a scripted port, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import service
from campaigns.content import Draft
from campaigns.models import Delivery
from campaigns.sender import RetryPolicy
from campaigns.subscribers import get_subscriber, unsubscribe
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from core.transport import Outcome, SendResult
from tests.campaigns.factories import FakePort, add_subscribers

FAST = WorkerConfig(rate=1000, lease=30, poll=0.05, retry=RetryPolicy(max_attempts=3))


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def started(sessions: async_sessionmaker[AsyncSession], **segment: object) -> int:
    async with sessions() as session:
        campaign = await service.create_campaign(
            session, Draft("4·26 知识产权日", "<b>欢迎</b>参加 &amp; 报名", dict(segment))
        )
        await service.start_campaign(session, campaign.id)
        await session.commit()
        return campaign.id


async def statuses(sessions: async_sessionmaker[AsyncSession], campaign_id: int) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(Delivery.chat_id, Delivery.status).where(Delivery.campaign_id == campaign_id)
        )
        return {chat: status for chat, status in rows.all()}


async def test_everyone_gets_it_once_and_the_campaign_is_done(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 120)
    campaign_id = await started(sessions)
    port = FakePort()
    await Worker(sessions, port, config=FAST).run(until_idle=True)
    assert port.requested(chats) == dict.fromkeys(chats, 1)
    async with sessions() as session:
        campaign = await service.get_campaign(session, campaign_id)
        stats = await service.campaign_stats(session, campaign)
    assert campaign.status == "done"
    assert (stats.targeted, stats.sent, stats.remaining) == (120, 120, 0)


async def test_403_blocks_the_subscriber_for_good(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 5)
    first = await started(sessions)
    port = FakePort({chats[0]: [SendResult(Outcome.BLOCKED, error="Forbidden: bot was blocked")]})
    await Worker(sessions, port, config=FAST).run(until_idle=True)
    assert (await statuses(sessions, first))[chats[0]] == "blocked"
    async with sessions() as session:
        row = await get_subscriber(session, chats[0])
        assert row is not None and row.blocked
    second = await started(sessions)
    await Worker(sessions, port, config=FAST).run(until_idle=True)
    assert chats[0] not in await statuses(sessions, second)
    assert port.requested([chats[0]]) == {chats[0]: 1}


async def test_5xx_is_retried_up_to_the_limit_and_429_waits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 3)
    server_error = SendResult(Outcome.TRANSIENT, error="Internal Server Error")
    port = FakePort(
        {
            chats[0]: [server_error],  # recovers on the second attempt
            chats[1]: [server_error] * 3,  # gives up after max_attempts
            chats[2]: [SendResult(Outcome.RETRY_AFTER, retry_after=1)],
        }
    )
    campaign_id = await started(sessions)
    worker = Worker(sessions, port, config=FAST)
    await worker.run(until_idle=True)
    assert await statuses(sessions, campaign_id) == {
        chats[0]: "sent",
        chats[1]: "failed",
        chats[2]: "sent",
    }
    assert port.requested(chats) == {chats[0]: 2, chats[1]: 3, chats[2]: 2}
    assert worker.throttled == 1
    async with sessions() as session:
        rows = await session.execute(select(Delivery.chat_id, Delivery.attempts))
        attempts = {chat: count for chat, count in rows.all()}
    assert attempts[chats[2]] == 1  # the 429 did not count as an attempt


async def test_unsubscribe_after_the_snapshot_is_honoured(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chats = await add_subscribers(sessions, 4)
    campaign_id = await started(sessions)
    async with sessions() as session:
        await unsubscribe(session, chats[1])
        await session.commit()
    port = FakePort()
    await Worker(sessions, port, config=FAST).run(until_idle=True)
    assert chats[1] not in port.requested(chats)
    assert (await statuses(sessions, campaign_id))[chats[1]] == "skipped"


async def test_a_send_lost_in_flight_is_unknown_and_never_repeated(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_subscribers(sessions, 2)
    campaign_id = await started(sessions)
    port = FakePort()
    port.gate = asyncio.Event()  # requests hang: the worker "dies" in flight
    short = WorkerConfig(rate=1000, lease=0.5, poll=0.05)
    dying = Worker(sessions, port, config=short)
    task = asyncio.create_task(dying.run())
    while len(port.requests) < 2:  # noqa: ASYNC110 - polling a fake's list is fine here
        await asyncio.sleep(0.01)
    task.cancel()
    port.gate = None
    await asyncio.sleep(0.6)
    survivor = FakePort()
    await Worker(sessions, survivor, config=short).run(until_idle=True)
    assert survivor.requests == []
    assert set((await statuses(sessions, campaign_id)).values()) == {"unknown"}
    async with sessions() as session:
        campaign = await service.get_campaign(session, campaign_id)
    assert campaign.status == "done"
