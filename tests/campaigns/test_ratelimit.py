"""The send-rate limiters hand out slots at least one interval apart, ``hold`` delays
everyone, and two limiters on one store (two workers) share the slots.

Deterministic: the in-process limiter runs on an injected clock; the database and Redis
limiters keep their own clock, so the tests read the stored next slot, which moves by
exactly the reserved span, and bound the returned waits with an interval (1000 s) far
longer than the test can take.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import ratelimit
from campaigns.models import RateSlot
from campaigns.ratelimit import (
    DatabaseRateLimiter,
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from core.db import create_engine, create_session_factory

REDIS_URL = "redis://127.0.0.1:6379/0"
LONG = 1000.0  # seconds; longer than any test run, so every reservation queues
SLACK = 60.0  # the most a test may take between two calls (bounds, not timing)


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(ratelimit.time, "monotonic", fake)
    return fake


async def test_local_slots_are_one_interval_apart_and_idle_time_is_not_banked(
    clock: FakeClock,
) -> None:
    limiter = LocalRateLimiter()
    waits = [await limiter.reserve("bot1", 1, 0.5) for _ in range(4)]
    assert waits == [0.0, 0.5, 1.0, 1.5]
    assert await limiter.reserve("bot1", 3, 0.5) == 2.0  # three slots: 2.0, 2.5, 3.0
    assert await limiter.reserve("bot1", 1, 0.5) == 3.5
    assert await limiter.reserve("chat:7", 1, 1.0) == 0.0  # keys are independent
    clock.now += 100.0  # idle for a while: no burst of saved-up slots afterwards
    assert [await limiter.reserve("bot1", 1, 0.5) for _ in range(2)] == [0.0, 0.5]


async def test_local_hold_delays_the_next_slot_and_never_shortens_a_queue(
    clock: FakeClock,
) -> None:
    limiter = LocalRateLimiter()
    await limiter.hold("bot1", 3.0)  # a 429 with retry_after=3
    assert await limiter.reserve("bot1", 1, 0.1) == 3.0
    assert await limiter.reserve("bot1", 1, 0.1) == pytest.approx(3.1)
    await limiter.reserve("bot1", 100, 0.1)  # queue up to 13.2 s ahead
    await limiter.hold("bot1", 1.0)  # a shorter hold does not move the queue back
    assert await limiter.reserve("bot1", 1, 0.1) == pytest.approx(13.2)
    clock.now += 20.0
    assert await limiter.reserve("bot1", 1, 0.1) == 0.0


@dataclass
class Store:
    """Two limiters on one store, as two workers have, and a reader of the stored slot."""

    first: RateLimiter
    second: RateLimiter
    stored: Callable[[str], Awaitable[float]]


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Store]:
    engines = [create_engine(db_url), create_engine(db_url)]
    factories: list[async_sessionmaker[AsyncSession]] = [create_session_factory(e) for e in engines]
    dialect = engines[0].dialect.name

    async def stored(key: str) -> float:
        async with factories[0]() as session:
            value = await session.scalar(select(RateSlot.next_at).where(RateSlot.key == key))
        assert value is not None
        return float(value)

    yield Store(
        DatabaseRateLimiter(factories[0], dialect),
        DatabaseRateLimiter(factories[1], dialect),
        stored,
    )
    for engine in engines:
        await engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[Store]:
    prefix = f"policydesk:test:rate:{uuid.uuid4().hex}:"  # Redis outlives the test
    first = RedisRateLimiter(REDIS_URL, prefix=prefix)
    second = RedisRateLimiter(REDIS_URL, prefix=prefix)
    reader = Redis.from_url(REDIS_URL)

    async def stored(key: str) -> float:
        value = await reader.get(prefix + key)
        assert value is not None
        return float(value)

    yield Store(first, second, stored)
    keys = [key async for key in reader.scan_iter(match=prefix + "*")]
    if keys:
        await reader.delete(*keys)
    await reader.aclose()
    await first.close()
    await second.close()


async def _slots_are_shared_and_one_interval_apart(store: Store) -> None:
    key = f"bot{uuid.uuid4().hex[:8]}"
    first_wait = await store.first.reserve(key, 1, LONG)
    after_first = await store.stored(key)
    second_wait = await store.second.reserve(key, 1, LONG)  # the other worker queues behind
    after_second = await store.stored(key)
    third_wait = await store.first.reserve(key, 3, LONG)
    after_third = await store.stored(key)
    assert 0.0 <= first_wait < SLACK
    # The stored slot moves by exactly the reserved span each time: disjoint slots.
    assert after_second - after_first == pytest.approx(LONG, abs=1e-3)
    assert after_third - after_second == pytest.approx(3 * LONG, abs=1e-3)
    # Each wait is one interval more than the one before, less the time between the calls.
    assert LONG - SLACK < second_wait - first_wait <= LONG + 1e-3
    assert LONG - SLACK < third_wait - second_wait <= LONG + 1e-3
    assert 0.0 <= await store.second.reserve(f"other-{key}", 1, LONG) < SLACK


async def _hold_delays_every_limiter(store: Store) -> None:
    key = f"bot{uuid.uuid4().hex[:8]}"
    await store.first.hold(key, LONG)  # a 429 seen by one worker
    wait = await store.second.reserve(key, 1, 0.01)  # … pauses the other
    assert LONG - SLACK < wait <= LONG + 1e-3
    before = await store.stored(key)
    await store.second.hold(key, 1.0)  # a shorter hold never moves the queue back
    assert await store.stored(key) == pytest.approx(before, abs=1e-3)
    assert LONG - SLACK < await store.first.reserve(key, 1, 0.01) <= LONG + 0.02


async def test_database_slots_are_shared_and_one_interval_apart(database: Store) -> None:
    await _slots_are_shared_and_one_interval_apart(database)


async def test_database_hold_delays_every_limiter(database: Store) -> None:
    await _hold_delays_every_limiter(database)


async def test_redis_slots_are_shared_and_one_interval_apart(redis: Store) -> None:
    await _slots_are_shared_and_one_interval_apart(redis)


async def test_redis_hold_delays_every_limiter(redis: Store) -> None:
    await _hold_delays_every_limiter(redis)
