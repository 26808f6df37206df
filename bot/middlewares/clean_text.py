"""Control characters are taken out of what people type before any handler reads it.

The web and API routes refuse them (``api.input_guard``); a chat message cannot be
refused that way, and nobody means a NUL or a bell in a question or a company name:
PostgreSQL would refuse the text, and exports would carry it on. Tab, line feed and
carriage return stay.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update

from core.fields import strip_control


def _cleaned(message: Message | None) -> Message | None:
    if message is None:
        return None
    changes = {
        name: strip_control(value)
        for name in ("text", "caption")
        if (value := getattr(message, name)) and strip_control(value) != value
    }
    return message.model_copy(update=changes) if changes else message


class CleanTextMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            changes = {
                name: cleaned
                for name in ("message", "edited_message")
                if (cleaned := _cleaned(getattr(event, name))) is not getattr(event, name)
            }
            if changes:
                event = event.model_copy(update=changes)
        return await handler(event, data)
