"""Per-user flood control: a user sending 20 messages a second gets one polite "slow
down", not 20 answers.

Counting lives behind ``RateLimitStorage`` so that replicas can share it (e.g. Redis with
``INCR``/``EXPIRE`` on a per-window key); the in-memory storage serves one process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User

from core.i18n import pick_locale, translate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # True for the first refused event of a window: the one that gets the polite reply.
    first_refusal: bool = False


class RateLimitStorage(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> Verdict:
        """Count one event for ``key``; allow at most ``limit`` per ``window`` seconds."""
        ...


class MemoryRateLimitStorage:
    """Fixed windows counted in this process; idle keys are forgotten."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, limit: int, window: float) -> Verdict:
        now = self._clock()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        count += 1
        self._windows[key] = (start, count)
        if len(self._windows) > 10_000:
            self._forget_idle(now, window)
        return Verdict(allowed=count <= limit, first_refusal=count == limit + 1)

    def _forget_idle(self, now: float, window: float) -> None:
        for key in [k for k, (start, _) in self._windows.items() if now - start >= window]:
            del self._windows[key]


class RedisRateLimitStorage:
    """Fixed windows counted in Redis (``INCR`` + ``EXPIRE``), shared by every replica."""

    def __init__(
        self, redis: Any, prefix: str = "pd:flood:", clock: Callable[[], float] = time.time
    ) -> None:
        self.redis, self.prefix, self._clock = redis, prefix, clock

    async def hit(self, key: str, limit: int, window: float) -> Verdict:
        name = f"{self.prefix}{key}:{int(self._clock() // window)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, math.ceil(window) + 1)
            count, _ = await pipe.execute()
        return Verdict(allowed=count <= limit, first_refusal=count == limit + 1)


class FloodControlMiddleware(BaseMiddleware):
    """Drops a user's messages and button taps beyond ``limit`` per ``window`` seconds.

    Registered on updates, before the database session, so that a flood costs no writes.
    """

    def __init__(self, storage: RateLimitStorage, limit: int = 5, window: float = 5.0) -> None:
        self.storage, self.limit, self.window = storage, limit, window

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update):
            return await handler(event, data)
        inner = event.message or event.edited_message or event.callback_query
        if inner is None:
            return await handler(event, data)
        verdict = await self.storage.hit(f"user:{user.id}", self.limit, self.window)
        if verdict.allowed:
            return await handler(event, data)
        if verdict.first_refusal:
            text = translate(pick_locale(user.language_code), "bot.flood")
            private = isinstance(inner, Message) and inner.chat.type == "private"
            if isinstance(inner, CallbackQuery) or private:
                await inner.answer(text)
        elif isinstance(inner, CallbackQuery):
            # A callback left unanswered keeps the button spinning on the user's screen.
            await inner.answer()
        return None
