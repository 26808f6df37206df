"""Build the bot and its dispatcher from the same ``Runtime`` the API uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from bot.errors import create_error_router
from bot.middlewares import (
    ChatUserMiddleware,
    DbSessionMiddleware,
    FloodControlMiddleware,
    I18nMiddleware,
    MemoryRateLimitStorage,
    RateLimitStorage,
    RedisRateLimitStorage,
)
from bot.middlewares.clean_text import CleanTextMiddleware
from bot.middlewares.log_context import UpdateLogContextMiddleware
from bot.retry import RetryAfterMiddleware
from bot.routers import FEATURES, RouterFactory, fallback
from core.db import create_session_factory
from core.errors import InvalidInput
from core.settings import Settings
from policydesk.runtime import Runtime


def create_bot(
    settings: Settings,
    session: BaseSession | None = None,
    *,
    wait_on_flood: bool = True,
    timeout: float | None = None,
) -> Bot:
    """The one way a bot is made: speaking Telegram HTML, on
    ``POLICYDESK_TELEGRAM_API_BASE`` when set. The front door's bot waits out Telegram's
    flood control (see ``bot/retry.py``); the delivery workers' (``wait_on_flood=False``)
    report it, since they pace every sender of the token together."""
    if settings.bot_token is None:
        raise InvalidInput("POLICYDESK_BOT_TOKEN is not set", field="bot_token")
    if session is None:
        api = (
            TelegramAPIServer.from_base(settings.telegram_api_base)
            if settings.telegram_api_base
            else None
        )
        options: dict[str, Any] = {} if api is None else {"api": api}
        if timeout is not None:
            options["timeout"] = timeout
        session = AiohttpSession(**options)
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    if wait_on_flood:
        bot.session.middleware(RetryAfterMiddleware())
    return bot


def _fsm_storage(settings: Settings) -> BaseStorage:
    """Forms (event sign-up) keep their state in Redis when replicas share it."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def _rate_limits(settings: Settings, dispatcher: Dispatcher) -> RateLimitStorage:
    """Flood counters in Redis when replicas share it, else in this process."""
    if not settings.redis_url:
        return MemoryRateLimitStorage()
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url)
    dispatcher["closers"].append(client.aclose)
    return RedisRateLimitStorage(client)


DEFAULT_FLOOD_LIMIT = 5  # messages per chat per flood window before the bot asks to slow down


def create_dispatcher(
    runtime: Runtime,
    *,
    features: Sequence[RouterFactory] = FEATURES,
    rate_limits: RateLimitStorage | None = None,
    flood_limit: int = DEFAULT_FLOOD_LIMIT,
    flood_window: float = 5.0,
) -> Dispatcher:
    """The dispatcher with middlewares, error handling, every feature router and the fallback.

    ``runtime`` and ``settings`` are available to every handler by those names.
    """
    dispatcher = Dispatcher(
        storage=_fsm_storage(runtime.settings),
        runtime=runtime,
        settings=runtime.settings,
        closers=[],
    )
    # Outer middlewares run in registration order, after aiogram's own (user context, errors).
    dispatcher.update.outer_middleware(UpdateLogContextMiddleware())
    dispatcher.update.outer_middleware(CleanTextMiddleware())
    dispatcher.update.outer_middleware(
        FloodControlMiddleware(
            rate_limits or _rate_limits(runtime.settings, dispatcher), flood_limit, flood_window
        )
    )
    # Updates run concurrently; on SQLite each update's transactions take the write lock
    # up front (BEGIN IMMEDIATE), because two read-then-write transactions would otherwise
    # fail with "database is locked" instead of waiting. PostgreSQL ignores the option.
    serialised = create_session_factory(runtime.engine.execution_options(sqlite_immediate=True))
    sqlite = runtime.engine.dialect.name == "sqlite"
    dispatcher.update.outer_middleware(DbSessionMiddleware(serialised, serialise=sqlite))
    dispatcher.update.outer_middleware(ChatUserMiddleware())
    dispatcher.update.outer_middleware(I18nMiddleware())
    dispatcher.include_router(create_error_router())
    for make_router in features:
        dispatcher.include_router(make_router())
    dispatcher.include_router(fallback.create_router())
    return dispatcher


async def close_dispatcher(dispatcher: Dispatcher) -> None:
    """Release what the dispatcher holds: FSM storage and any Redis connections."""
    await dispatcher.storage.close()
    for close in dispatcher["closers"]:
        await close()
