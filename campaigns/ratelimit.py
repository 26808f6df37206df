"""Send-rate limiting shared by every worker that uses the same bot token.

The limiter hands out *reservations* rather than answering "may I send now?": each key
stores the next free slot time, and ``reserve(key, n, interval)`` moves it ``n * interval``
forward atomically and says how long to wait for the first of the ``n`` slots. Workers
that reserve from the same store therefore get disjoint slots, and the sum of their sends
stays at ``1 / interval`` per second however many workers there are — no retries, no
thundering herd. ``hold(key, seconds)`` pushes the next slot past a 429's ``retry_after``
so every worker pauses, not only the one that was told.

Three stores: Redis (a Lua script, Redis's clock) when ``POLICYDESK_REDIS_URL`` is set;
the database otherwise (one upsert, the database's clock, so workers on several hosts agree
without trusting their own clocks); and in-process for a lone worker and tests.
"""

from __future__ import annotations

import time
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import write_transaction


class RateLimiter(Protocol):
    async def reserve(self, key: str, count: int, interval: float) -> float:
        """Reserve ``count`` slots ``interval`` s apart; seconds until the first one (>= 0)."""
        ...

    async def hold(self, key: str, seconds: float) -> None:
        """No slot for ``key`` before ``seconds`` from now."""
        ...


class LocalRateLimiter:
    """Reservations in this process only (one worker, or tests)."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}

    async def reserve(self, key: str, count: int, interval: float) -> float:
        now = time.monotonic()
        start = max(self._next.get(key, 0.0), now)
        self._next[key] = start + count * interval
        return start - now

    async def hold(self, key: str, seconds: float) -> None:
        now = time.monotonic()
        self._next[key] = max(self._next.get(key, 0.0), now + seconds)


_NOW = {
    "postgresql": "EXTRACT(EPOCH FROM clock_timestamp())",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
_GREATEST = {"postgresql": "GREATEST", "sqlite": "MAX"}


class DatabaseRateLimiter:
    """Reservations in the ``send_rate_slots`` table: one upsert per reservation.

    PostgreSQL serialises concurrent upserts of one key on its row lock; SQLite on its
    write lock. The clock is the database's, read once inside the statement.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], dialect: str) -> None:
        self._sessions = sessions
        now, greatest = _NOW[dialect], _GREATEST[dialect]
        self._reserve = text(
            f"INSERT INTO send_rate_slots (key, next_at) VALUES (:key, {now} + :span) "
            f"ON CONFLICT (key) DO UPDATE SET next_at = "
            f"{greatest}(send_rate_slots.next_at, {now}) + :span "
            f"RETURNING next_at - :span - {now}"
        )
        self._hold = text(
            f"INSERT INTO send_rate_slots (key, next_at) VALUES (:key, {now} + :seconds) "
            f"ON CONFLICT (key) DO UPDATE SET next_at = "
            f"{greatest}(send_rate_slots.next_at, {now} + :seconds)"
        )

    async def reserve(self, key: str, count: int, interval: float) -> float:
        async with write_transaction(self._sessions) as session:
            wait = await session.scalar(self._reserve, {"key": key, "span": count * interval})
        return max(0.0, float(wait or 0.0))

    async def hold(self, key: str, seconds: float) -> None:
        async with write_transaction(self._sessions) as session:
            await session.execute(self._hold, {"key": key, "seconds": seconds})


_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(nxt, now)
local stop = start + tonumber(ARGV[1])
local ttl = math.ceil((stop - now) * 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.6f', stop), 'PX', ttl)
return string.format('%.6f', start - now)
"""
_HOLD_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local stop = math.max(nxt, now + tonumber(ARGV[1]))
local ttl = math.ceil((stop - now) * 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.6f', stop), 'PX', ttl)
return 1
"""


class RedisRateLimiter:
    """Reservations in Redis (atomic Lua scripts, Redis's clock); keys expire when idle."""

    def __init__(self, url: str, prefix: str = "policydesk:rate:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._reserve = self._redis.register_script(_RESERVE_LUA)
        self._hold = self._redis.register_script(_HOLD_LUA)

    async def reserve(self, key: str, count: int, interval: float) -> float:
        wait = await self._reserve(keys=[self._prefix + key], args=[count * interval])
        return max(0.0, float(wait))

    async def hold(self, key: str, seconds: float) -> None:
        await self._hold(keys=[self._prefix + key], args=[seconds])

    async def close(self) -> None:
        await self._redis.aclose()
