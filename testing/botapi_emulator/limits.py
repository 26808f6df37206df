"""Sliding-window flood control (per bot, per chat, per group)."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

from .models import RateLimits


@dataclass
class _Window:
    limit: int
    period: float
    stamps: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0

    def retry_after(self, now: float, fixed: int | None) -> int | None:
        """Seconds to wait before a new call fits, or None if it fits now."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        if self.locked_until > now:
            return max(1, math.ceil(self.locked_until - now))
        if len(self.stamps) < self.limit:
            return None
        wait = fixed if fixed is not None else max(1, math.ceil(self.stamps[0] + self.period - now))
        self.locked_until = now + wait
        return wait


class RateLimiter:
    """Checks and records successful sends against a ``RateLimits`` configuration."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self._windows: dict[tuple[object, ...], _Window] = {}

    def configure(self, limits: RateLimits) -> None:
        """Replace the limits and forget all history."""
        self.limits = limits
        self._windows.clear()

    def _keys(
        self, token: str, chat_id: object, is_group: bool
    ) -> list[tuple[tuple[object, ...], int, float]]:
        lim = self.limits
        keys: list[tuple[tuple[object, ...], int, float]] = []
        if lim.global_per_second is not None:
            keys.append((("bot", token), lim.global_per_second, 1.0))
        if lim.per_chat_per_second is not None:
            keys.append((("chat", token, chat_id), lim.per_chat_per_second, 1.0))
        if is_group and lim.per_group_per_minute is not None:
            keys.append((("group", token, chat_id), lim.per_group_per_minute, 60.0))
        return keys

    def _window(self, key: tuple[object, ...], limit: int, period: float) -> _Window:
        win = self._windows.get(key)
        if win is None:
            win = self._windows[key] = _Window(limit, period)
        return win

    def check(self, token: str, chat_id: object, is_group: bool) -> int | None:
        """Return ``retry_after`` seconds if a send now would exceed a limit, else None."""
        now = time.monotonic()
        worst: int | None = None
        for key, limit, period in self._keys(token, chat_id, is_group):
            wait = self._window(key, limit, period).retry_after(now, self.limits.retry_after)
            if wait is not None:
                worst = max(worst or 0, wait)
        return worst

    def record(self, token: str, chat_id: object, is_group: bool) -> None:
        """Count one successful send."""
        now = time.monotonic()
        for key, limit, period in self._keys(token, chat_id, is_group):
            self._window(key, limit, period).stamps.append(now)
