"""Calls that only make the bot nicer to use: the typing indicator, the command menu,
stopping a tapped button's spinner, a confirmation toast before the real reply, taking a
used button away. When Telegram (or a Bot API server that lacks the method) refuses one,
the bot logs it and carries on, so the user still gets what they asked for.

Sending the answer itself is never best effort. Nor is a 403 for a call aimed at a chat:
it says the user blocked the bot (or removed it from the group), which the error handler
records, and nothing more would reach that chat anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramForbiddenError

log = logging.getLogger(__name__)
T = TypeVar("T")


async def best_effort(call: Awaitable[T]) -> T | None:
    """The call's result, or None when it failed (the failure is logged)."""
    try:
        return await call
    except (TelegramAPIError, ClientDecodeError) as exc:
        # ClientDecodeError: an answer that is not the Bot API's JSON (a proxy's error page).
        method = getattr(exc, "method", None)
        if isinstance(exc, TelegramForbiddenError) and getattr(method, "chat_id", None):
            raise
        name = getattr(method, "__api_method__", "a Bot API call")
        log.warning("%s failed, carrying on without it: %s", name, exc)
        return None
