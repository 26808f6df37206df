"""The public API's rate limits and the admin login's counters in Redis, shared by every
replica (``POLICYDESK_REDIS_URL``).

Fixed windows aligned to the clock, one key per client and window, ``INCR`` and
``PEXPIRE`` in one transaction: a client spreading requests over replicas gets the same
allowance as one talking to a single replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from api.limits import Rate

# One less, never below zero, in one step: replicas may refund the same key at once.
_REFUND = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisRateStore:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "policydesk:rate:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self._clock = redis, prefix, clock

    def _name(self, key: str, rate: Rate, now: float) -> tuple[str, int]:
        slot = int(now // rate.seconds)
        return f"{self.prefix}{key}:{rate.seconds}:{slot}", slot

    async def hit(self, key: str, rate: Rate) -> float:
        now = self._clock()
        name, slot = self._name(key, rate, now)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.pexpire(name, rate.seconds * 2000)
            count, _ = await pipe.execute()
        if count <= rate.count:
            return 0.0
        return max((slot + 1) * rate.seconds - now, 0.001)

    async def refund(self, key: str, rate: Rate) -> None:
        # In the window current now: a hit from the window before has expired with it.
        name, _ = self._name(key, rate, self._clock())
        await self.redis.eval(_REFUND, 1, name)

    async def close(self) -> None:
        await self.redis.aclose()
