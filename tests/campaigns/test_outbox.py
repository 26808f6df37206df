"""The outbox: service messages written with the caller's transaction, sent by workers
that have a transport for their channel, the in-process worker woken on commit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns.outbox import DeliveryOutbox, service_messages
from campaigns.ratelimit import LocalRateLimiter
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from core.outbox import Message
from tests.campaigns.factories import FakePort, add_subscribers, start_campaign
from webchat.models import WebMessage
from webchat.service import open_chat
from webchat.transport import WebTransport

QUICK = WorkerConfig(rate=1000, chat_interval=0.0, poll=0.01)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_a_message_exists_only_if_its_transaction_commits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = DeliveryOutbox()
    heard: list[str] = []
    outbox.listeners.append(lambda: heard.append("commit"))
    async with sessions() as session:
        await outbox.put(session, Message("telegram", "501", "取消", topic="event_cancelled"))
        await session.rollback()
    assert heard == []
    async with sessions() as session:
        assert await service_messages(session) == []
        await outbox.put(session, Message("telegram", "501", "递补", topic="event_promoted"))
        assert heard == []  # not before the commit: the worker would find nothing
        await session.commit()
    assert heard == ["commit"]
    with pytest.raises(ValueError, match="unknown channel"):
        async with sessions() as session:
            await outbox.put(session, Message("fax", "1", "x", topic="t"))


async def test_a_worker_sends_only_the_channels_it_has_a_transport_for(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = DeliveryOutbox()
    async with sessions() as session:
        chat, _ = await open_chat(session)
        await outbox.put(session, Message("web", str(chat.id), "网页答复", topic="officer_answer"))
        await outbox.put(session, Message("telegram", "777", "电报答复", topic="officer_answer"))
        await session.commit()
    web_only = Worker(sessions, {"web": WebTransport(sessions)}, LocalRateLimiter(), QUICK)
    await web_only.run(until_idle=True)
    assert await _statuses(sessions) == {"web": "sent", "telegram": "pending"}
    async with sessions() as session:
        assert list(await session.scalars(select(WebMessage.text))) == ["网页答复"]

    telegram = FakePort()  # the Telegram worker, elsewhere, sends the rest
    await Worker(sessions, {"telegram": telegram}, LocalRateLimiter(), QUICK).run(until_idle=True)
    assert [(chat_id, m.text, m.plain) for chat_id, m in telegram.requests] == [
        (777, "电报答复", True)
    ]
    assert await _statuses(sessions) == {"web": "sent", "telegram": "sent"}


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        return {m.channel: m.status for m in await service_messages(session)}


async def test_an_answer_does_not_wait_behind_a_campaign(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_subscribers(sessions, 60)
    await start_campaign(sessions)
    async with sessions() as session:
        await DeliveryOutbox().put(
            session, Message("telegram", "999", "工作人员答复", topic="officer_answer")
        )
        await session.commit()
    port = FakePort()
    await Worker(sessions, {"telegram": port}, LocalRateLimiter(), QUICK).run(until_idle=True)
    assert len(port.requests) == 61
    assert port.requests[0][0] == 999  # written last, sent first
