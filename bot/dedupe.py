"""Telegram re-sends a webhook update it thinks was not received: process each
``update_id`` once.

The in-memory set serves one process; with several API replicas behind a load balancer,
use ``RedisUpdateDedupe`` so that a repeat landing on another replica is dropped too.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol


class UpdateDedupe(Protocol):
    async def first_time(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen, False for a repeat."""
        ...


class MemoryUpdateDedupe:
    """Remembers the last ``capacity`` update ids."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True


class RedisUpdateDedupe:
    """``SET NX`` with an expiry: shared by every replica."""

    def __init__(self, redis: Any, ttl_seconds: int = 24 * 3600, prefix: str = "pd:tg:update:"):
        self.redis, self.ttl, self.prefix = redis, ttl_seconds, prefix

    async def first_time(self, update_id: int) -> bool:
        created = await self.redis.set(f"{self.prefix}{update_id}", 1, nx=True, ex=self.ttl)
        return bool(created)
