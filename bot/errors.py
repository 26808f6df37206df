"""Errors mapped once: domain errors become friendly replies, a user who blocked the bot
is remembered, anything else is logged. No update's failure stops the bot."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from aiogram import Router, html
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from campaigns.subscribers import mark_blocked as mark_subscriber_blocked
from core.chat_users import mark_blocked as mark_chat_user_blocked
from core.db import write_transaction
from core.errors import DomainError
from core.i18n import DEFAULT_LOCALE, Translator, catalogs
from policydesk.runtime import Runtime

log = logging.getLogger(__name__)


async def _reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    with suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif (message := update.message or update.edited_message) is not None:
            await message.answer(text)


def _translator(data: dict[str, Any]) -> Translator:
    t = data.get("t")
    return t if isinstance(t, Translator) else Translator(DEFAULT_LOCALE)


async def on_domain_error(event: ErrorEvent, **data: Any) -> bool:
    exc = event.exception
    assert isinstance(exc, DomainError)
    t = _translator(data)
    key = f"errors.{exc.code}"
    if key not in catalogs()[DEFAULT_LOCALE]:
        key = "errors.generic"
    # In the user's language only, naming the field as people do (not "credit_code").
    await _reply(event, t(key, detail=html.quote(exc.explain(t.locale))))
    return True


async def on_blocked(event: ErrorEvent, runtime: Runtime, **data: Any) -> bool:
    """The user blocked the bot: stop talking to them (campaigns skip blocked chats)."""
    chat = data.get("event_chat")
    user = data.get("event_from_user")
    log.info("chat %s blocked the bot", chat.id if chat else None)
    # Read-then-write: on SQLite take the write lock up front, or a concurrent commit
    # (another update, the campaign worker) fails the upgrade with "database is locked".
    async with write_transaction(runtime.sessions) as session:
        if user is not None:
            await mark_chat_user_blocked(session, user.id)
        if chat is not None:
            await mark_subscriber_blocked(session, chat.id)
    return True


async def on_unexpected(event: ErrorEvent, **data: Any) -> bool:
    log.error(
        "update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    await _reply(event, _translator(data)("bot.error.generic"))
    return True


def create_error_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_domain_error, ExceptionTypeFilter(DomainError))
    router.errors.register(on_blocked, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(on_unexpected)
    return router
