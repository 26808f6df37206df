"""Remember who is talking (first contact, client language) and their chosen locale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession

from core.chat_users import touch_chat_user


class ChatUserMiddleware(BaseMiddleware):
    """Upserts the event's user and puts ``chat_user`` and ``locale`` into handler data."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession | None = data.get("session")
        if user is not None and not user.is_bot and session is not None:
            row = await touch_chat_user(
                session, user.id, username=user.username, language_code=user.language_code
            )
            data["chat_user"] = row
            data["locale"] = row.effective_locale
        return await handler(event, data)
