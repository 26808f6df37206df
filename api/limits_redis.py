"""The public API's rate limits in Redis, shared by every replica (``POLICYDESK_REDIS_URL``).

Fixed windows aligned to the clock, one key per client and window, ``INCR`` and
``PEXPIRE`` in one transaction: a client spreading requests over replicas gets the same
allowance as one talking to a single replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from api.limits import Rate


class RedisRateStore:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "policydesk:rate:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self._clock = redis, prefix, clock

    async def hit(self, key: str, rate: Rate) -> float:
        now = self._clock()
        slot = int(now // rate.seconds)
        name = f"{self.prefix}{key}:{rate.seconds}:{slot}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.pexpire(name, rate.seconds * 2000)
            count, _ = await pipe.execute()
        if count <= rate.count:
            return 0.0
        return max((slot + 1) * rate.seconds - now, 0.001)

    async def close(self) -> None:
        await self.redis.aclose()
