"""The public API's allowance is shared through Redis by every replica."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from api.limits import Rate
from api.limits_redis import RedisRateStore

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_replicas_share_a_clients_allowance() -> None:
    prefix = f"test:rate:{uuid.uuid4().hex}:"
    now = [1_000.0]
    a = RedisRateStore(Redis.from_url(REDIS_URL), prefix, clock=lambda: now[0])
    b = RedisRateStore(Redis.from_url(REDIS_URL), prefix, clock=lambda: now[0])
    try:
        rate = Rate.parse("3/minute")
        waits = [await store.hit("203.0.113.7", rate) for store in (a, b, a, b)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        # 1000 s is 40 s into its minute: the next request is allowed in 20 s.
        assert waits[3] == 20.0
        assert await a.hit("198.51.100.1", rate) == 0.0  # another client, its own count
        now[0] += 20
        assert await b.hit("203.0.113.7", rate) == 0.0
    finally:
        await a.close()
        await b.close()


async def test_refund_gives_one_request_back_never_below_zero() -> None:
    prefix = f"test:rate:{uuid.uuid4().hex}:"
    now = [1_000.0]
    store = RedisRateStore(Redis.from_url(REDIS_URL), prefix, clock=lambda: now[0])
    try:
        rate = Rate.parse("2/minute")
        assert [await store.hit("a", rate) for _ in range(2)] == [0.0, 0.0]
        await store.refund("a", rate)
        assert await store.hit("a", rate) == 0.0
        assert await store.hit("a", rate) > 0
        now[0] += 60  # a new window: nothing to give back, and no debt either
        for _ in range(3):
            await store.refund("a", rate)
        assert [await store.hit("a", rate) > 0 for _ in range(3)] == [False, False, True]
    finally:
        await store.close()
