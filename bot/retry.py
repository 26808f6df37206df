"""Telegram's flood control (429) answered by waiting, not by failing the update.

A 429 guarantees the call was not executed, so repeating it cannot duplicate a message.
Other failures (5xx, network) are not retried here: their outcome is unknown and a
repeated ``sendMessage`` could reach the user twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

log = logging.getLogger(__name__)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Waits ``retry_after`` and repeats the call, up to ``attempts`` times in all, when
    the wait is at most ``max_wait`` seconds (longer waits fail the call instead of
    holding the update)."""

    def __init__(self, attempts: int = 3, max_wait: float = 10.0) -> None:
        self.attempts, self.max_wait = attempts, max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                log.info("%s: flood control, retrying in %ss", method, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover
