"""Both rate-limit storages count the same way; Redis is shared by every replica."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.commands import help_text
from bot.dedupe import MemoryUpdateDedupe, RedisUpdateDedupe, UpdateDedupe
from bot.factory import close_dispatcher, create_bot, create_dispatcher
from bot.middlewares.flood import (
    MemoryRateLimitStorage,
    RateLimitStorage,
    RedisRateLimitStorage,
    Verdict,
)
from core.i18n import Translator, translate
from policydesk.runtime import Runtime
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import text_update

REDIS_URL = "redis://127.0.0.1:6379/15"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def storage_and_clock(
    request: pytest.FixtureRequest,
) -> tuple[RateLimitStorage, Clock]:
    clock = Clock()
    if request.param == "memory":
        return MemoryRateLimitStorage(clock), clock
    client: Redis = request.getfixturevalue("redis")
    prefix = f"pd:test:{uuid.uuid4().hex}:"
    return RedisRateLimitStorage(client, prefix=prefix, clock=clock), clock


async def test_limit_per_window_and_one_first_refusal(
    storage_and_clock: tuple[RateLimitStorage, Clock],
) -> None:
    storage, clock = storage_and_clock
    verdicts = [await storage.hit("user:1", 3, 5.0) for _ in range(6)]
    assert verdicts == [Verdict(True)] * 3 + [Verdict(False, True)] + [Verdict(False)] * 2
    assert await storage.hit("user:2", 3, 5.0) == Verdict(True)  # others unaffected
    clock.now += 5.0
    assert await storage.hit("user:1", 3, 5.0) == Verdict(True)  # a new window


@pytest.fixture(params=["memory", "redis"])
def dedupe(request: pytest.FixtureRequest) -> UpdateDedupe:
    if request.param == "memory":
        return MemoryUpdateDedupe(capacity=2)
    client: Redis = request.getfixturevalue("redis")
    return RedisUpdateDedupe(client, prefix=f"pd:test:{uuid.uuid4().hex}:")


async def test_each_update_id_passes_once(dedupe: UpdateDedupe) -> None:
    assert [await dedupe.first_time(i) for i in (1, 2, 1, 2, 3)] == [
        True,
        True,
        False,
        False,
        True,
    ]


async def test_replicas_sharing_redis_share_the_flood_limit(
    bot_runtime: Runtime, redis: Redis
) -> None:
    """Two dispatchers (two replicas) behind one webhook: the limit holds across both."""
    bot_runtime.settings = bot_runtime.settings.model_copy(update={"redis_url": REDIS_URL})
    session = RecordingSession()
    bot = create_bot(bot_runtime.settings, session=session)
    # Redis counts fixed windows of wall-clock time. Regression: with 5-second windows the
    # ten updates sometimes straddled a window boundary on a busy machine (6 replies, not 5).
    # An hour-long window, entered at least a minute before its end, cannot be straddled.
    window = 3600.0
    if time.time() % window > window - 60:
        await asyncio.sleep(window - time.time() % window + 0.1)
    replicas = [
        create_dispatcher(bot_runtime, flood_window=window),
        create_dispatcher(bot_runtime, flood_window=window),
    ]
    user = random.randrange(10**9, 2 * 10**9)  # a fresh flood counter in the shared Redis
    try:
        for n in range(10):
            await replicas[n % 2].feed_update(bot, text_update("/help", user_id=user))
    finally:
        for dispatcher in replicas:
            await close_dispatcher(dispatcher)
    texts = session.texts(user)
    assert texts.count(translate("zh", "bot.flood")) == 1
    assert texts.count(help_text(Translator("zh"), 500)) == 5
