"""Worker processes stopped mid-campaign and new ones started: nobody gets the campaign
twice, nobody eligible is skipped. Killed (SIGKILL), the sends that were in flight count
unknown; stopped (SIGTERM), a worker finishes its sends and gives back its claims at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from campaigns import service
from campaigns.models import Delivery
from campaigns.outbox import DeliveryOutbox, service_messages
from core.db import create_engine, create_session_factory
from events.registration import register
from events.schemas import EventPatch
from events.service import update_event
from testing.botapi_emulator import DEFAULT_TOKEN, BotAPIEmulator, RateLimits
from tests.campaigns.factories import add_subscribers, delivery_statuses, start_campaign
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

ROOT = Path(__file__).resolve().parents[2]


async def spawn_worker(
    db_url: str, base_url: str, data: Path, *extra: str, rate: int = 100, lease: float = 2
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "POLICYDESK_DATABASE_URL": db_url,
        "POLICYDESK_DATA_DIR": str(data),
        "POLICYDESK_BOT_TOKEN": DEFAULT_TOKEN,
        "POLICYDESK_TELEGRAM_API_BASE": base_url,
        "POLICYDESK_SEND_RATE": str(rate),
        "POLICYDESK_DELIVERY_LEASE_SECONDS": str(lease),
        "POLICYDESK_REDIS_URL": "",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "policydesk", "worker", *extra, cwd=ROOT, env=env
    )


async def wait_for_sends(emu: BotAPIEmulator, count: int) -> None:
    for _ in range(1200):  # up to ~2 minutes for a slow interpreter start
        if sum(1 for c in emu.requests if c.method == "sendMessage") >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} sends")


def sent_chats(emu: BotAPIEmulator) -> Counter[int]:
    """How many messages each chat has received."""
    return Counter(int(c.chat_id) for c in emu.sent(method="sendMessage"))  # type: ignore[arg-type]


async def test_killed_worker_resumes_without_duplicates_or_gaps(
    db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    chats = await add_subscribers(sessions, 400)
    campaign_id = await start_campaign(sessions)
    # Answers take 0.3 s, so about 30 requests are on the wire when the worker dies.
    async with BotAPIEmulator(rate_limits=RateLimits(per_chat_per_second=1), latency=0.3) as emu:
        first = await spawn_worker(db_url, emu.base_url, tmp_path)
        await wait_for_sends(emu, 100)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before = sent_chats(emu)
        second = await spawn_worker(db_url, emu.base_url, tmp_path, "--until-idle")
        assert await asyncio.wait_for(second.wait(), 300) == 0
        delivered = sent_chats(emu)
    statuses = await delivery_statuses(sessions, campaign_id)
    async with sessions() as session:
        campaign = await service.get_campaign(session, campaign_id)
        stats = await service.campaign_stats(session, campaign)
    await engine.dispose()

    assert 0 < len(before) < len(chats)  # the kill really came mid-campaign
    assert max(delivered.values()) == 1  # nobody twice
    unknown = {chat for chat, status in statuses.items() if status == "unknown"}
    sent = {chat for chat, status in statuses.items() if status == "sent"}
    assert sent | unknown == set(chats)  # nothing else happened to anyone
    assert sent <= set(delivered)
    assert set(chats) - set(delivered) <= unknown  # whoever got nothing was in flight
    assert 0 < len(unknown) <= 100  # the in-flight ones, not the rest of the claim
    assert campaign.status == "done"
    assert (stats.sent, stats.unknown) == (len(sent), len(unknown))


async def test_sigterm_finishes_sends_and_releases_claims_at_once(
    db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    chats = await add_subscribers(sessions, 400)
    campaign_id = await start_campaign(sessions)
    # A ten-minute lease: nothing here may wait for one to expire.
    async with BotAPIEmulator(rate_limits=RateLimits(per_chat_per_second=1), latency=0.3) as emu:
        first = await spawn_worker(db_url, emu.base_url, tmp_path, rate=50, lease=600)
        await wait_for_sends(emu, 60)
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), 120) == 0
        by_first = sent_chats(emu)
        left = await delivery_statuses(sessions, campaign_id)
        second = await spawn_worker(db_url, emu.base_url, tmp_path, "--until-idle", lease=600)
        assert await asyncio.wait_for(second.wait(), 300) == 0
        delivered = sent_chats(emu)
    statuses = await delivery_statuses(sessions, campaign_id)
    await engine.dispose()

    # Nothing claimed or in flight is left behind, and no send's fate is unknown.
    assert set(left.values()) == {"sent", "pending"}
    assert {chat for chat, status in left.items() if status == "sent"} == set(by_first)
    assert 0 < len(by_first) < len(chats)  # the stop really came mid-campaign
    assert delivered == dict.fromkeys(chats, 1)  # everyone, once
    assert set(statuses.values()) == {"sent"}


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_worker_processes_share_one_campaign_and_one_rate_limit(
    db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    chats = await add_subscribers(sessions, 500)
    campaign_id = await start_campaign(sessions)
    limits = RateLimits(global_per_second=50, per_chat_per_second=1)
    async with BotAPIEmulator(rate_limits=limits) as emu:
        # 40/s for the bot token in total, whatever the number of workers (database limiter):
        # a fifth below the emulator's 50/s, so scheduling jitter on a loaded machine is not
        # mistaken for two workers ignoring each other.
        workers = [
            await spawn_worker(db_url, emu.base_url, tmp_path, "--until-idle", rate=40)
            for _ in range(2)
        ]
        codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in workers)), 300)
        calls = [c for c in emu.requests if c.method == "sendMessage"]
    async with sessions() as session:
        names = set(await session.scalars(select(Delivery.worker).where(Delivery.status == "sent")))
    statuses = await delivery_statuses(sessions, campaign_id)
    await engine.dispose()
    assert codes == [0, 0]
    delivered = Counter(int(c.chat_id) for c in calls if c.ok)  # type: ignore[arg-type]
    assert delivered == dict.fromkeys(chats, 1)  # everyone, once
    assert set(statuses.values()) == {"sent"}
    assert len(names) == 2  # both processes did part of the work
    # Two workers at 40/s each (80/s together) would draw many 429s from a 50/s limit.
    assert sum(1 for c in calls if c.status == 429) <= 3


async def test_killed_worker_sends_event_notices_once_and_loses_none(
    db_url: str, tmp_path: Path
) -> None:
    """An event with 200 registrants is cancelled: 200 notices go into the outbox with the
    cancellation. A worker killed mid-send, then another: each notice reaches its chat
    at most once, and every one not delivered is accounted for as unknown (in flight)."""
    engine = create_engine(db_url, pool_size=5, max_overflow=10)
    sessions = create_session_factory(engine)
    event = await new_event(sessions, event_in(capacity=250, starts_in=timedelta(days=3)))
    chats = [8_100_000 + n for n in range(200)]
    for n, chat in enumerate(chats):
        await register(sessions, event.id, registration_form(n), chat_id=chat)
    await update_event(sessions, DeliveryOutbox(), event.id, EventPatch(status="cancelled"))
    async with BotAPIEmulator(rate_limits=RateLimits(per_chat_per_second=1), latency=0.3) as emu:
        first = await spawn_worker(db_url, emu.base_url, tmp_path)
        await wait_for_sends(emu, 50)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before = sent_chats(emu)
        second = await spawn_worker(db_url, emu.base_url, tmp_path, "--until-idle")
        assert await asyncio.wait_for(second.wait(), 300) == 0
        delivered = sent_chats(emu)
        texts = {str(c.params.get("text", "")) for c in emu.sent(method="sendMessage")}
    async with sessions() as session:
        rows = await service_messages(session, "telegram")
    await engine.dispose()

    statuses = {int(row.address or 0): row.status for row in rows}
    assert sorted(statuses) == chats  # one notice per registrant, written with the change
    assert 0 < len(before) < len(chats)  # the kill really came mid-send
    assert max(delivered.values()) == 1  # nobody twice
    sent = {chat for chat, status in statuses.items() if status == "sent"}
    unknown = {chat for chat, status in statuses.items() if status == "unknown"}
    assert sent | unknown == set(chats)  # nothing left pending, nothing else happened
    assert sent <= set(delivered) and set(chats) - set(delivered) <= unknown
    assert 0 < len(unknown) <= 60
    assert all("取消" in text for text in texts if text)
