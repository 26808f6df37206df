"""Per-client rate limits for public routes and size limits for request bodies.

Both are plain ASGI middlewares. The limiter keeps its counters in a ``RateStore``: the
in-memory one suits a single process; a shared store (Redis) fits behind the same
protocol when several replicas serve the same clients. The admin login counts its
attempts in the same store (``api.admin_ui.throttle``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``, e.g. ``Rate.parse("30/minute")``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        units = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
        count, _, unit = text.strip().partition("/")
        seconds = units.get(unit.strip().lower().rstrip("s"))
        if not count.strip().isdigit() or seconds is None:
            raise ValueError(f"rate {text!r}: use COUNT/second|minute|hour|day")
        return cls(int(count), seconds)


class RateStore(Protocol):
    async def hit(self, key: str, rate: Rate) -> float:
        """Count one request; 0 when allowed, else the seconds until the next is allowed."""
        ...

    async def refund(self, key: str, rate: Rate) -> None:
        """Give back one request that ``hit`` allowed and counted (the admin login counts
        each attempt up front and gives a successful one back)."""
        ...


class MemoryRateStore:
    """Sliding-window-free token bucket per key, refilled continuously."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, rate: Rate) -> float:
        now = self._clock()
        per_second = rate.count / rate.seconds
        tokens, last = self._buckets.get(key, (float(rate.count), now))
        tokens = min(float(rate.count), tokens + (now - last) * per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / per_second
        if len(self._buckets) >= self._max_keys and key not in self._buckets:
            self._buckets.clear()  # bounded memory under a flood of distinct clients
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    async def refund(self, key: str, rate: Rate) -> None:
        if key in self._buckets:
            tokens, last = self._buckets[key]
            self._buckets[key] = (min(float(rate.count), tokens + 1.0), last)


async def _reply(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimitMiddleware:
    """429 with Retry-After once a client exceeds ``rate`` on a path ``is_limited`` selects."""

    def __init__(
        self,
        app: ASGIApp,
        rate: Rate,
        store: RateStore,
        is_limited: Callable[[str], bool],
    ) -> None:
        self.app, self.rate, self.store, self.is_limited = app, rate, store, is_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        # The client behind our trusted proxies (api.forwarded), never a header's claim.
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = await self.store.hit(key, self.rate)
        if wait > 0:
            retry = str(max(1, math.ceil(wait))).encode()
            await _reply(send, 429, "too many requests; slow down", [(b"retry-after", retry)])
            return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: the framework turns it into a 413 response; the middleware
    answers itself if nothing inside did."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class BodySizeMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        message = f"the request body is larger than {_human(limit)}"
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _reply(send, 413, message, [])
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(message)
            return event

        async def tracking_send(event: Message) -> None:
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, message, [])


def _human(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
