"""Hands handlers ``t``, the catalog lookup in the user's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from core.i18n import Translator, pick_locale


class I18nMiddleware(BaseMiddleware):
    """The remembered locale when known (see ``ChatUserMiddleware``), else the client's."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        locale: str | None = data.get("locale")
        if locale is None:
            user: User | None = data.get("event_from_user")
            locale = pick_locale(user.language_code if user else None)
        data["locale"] = locale
        data["t"] = Translator(locale)
        return await handler(event, data)
