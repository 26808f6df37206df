"""Running the bot: long polling on its own (``policydesk bot``), or inside the API process
(``policydesk serve``) either polling or receiving a webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from pydantic import ValidationError

from bot.commands import publish_commands
from bot.dedupe import MemoryUpdateDedupe, RedisUpdateDedupe, UpdateDedupe
from bot.factory import close_dispatcher, create_bot, create_dispatcher
from campaigns.runner import background_worker
from core.settings import Settings
from policydesk.runtime import Runtime, start_background

log = logging.getLogger(__name__)


@dataclass
class TelegramFrontDoor:
    """The bot as the API process holds it: sender registered, polling or webhook."""

    bot: Bot
    dispatcher: Dispatcher
    webhook_secret: str | None
    dedupe: UpdateDedupe
    polling: asyncio.Task[None] | None = None

    async def feed_webhook(self, payload: dict[str, Any]) -> None:
        """Process one webhook update; a failing update is logged, never re-raised, so
        that Telegram does not keep re-sending it."""
        try:
            await self.dispatcher.feed_raw_update(self.bot, payload)
        except ValidationError:
            log.warning("malformed webhook update dropped")
        except Exception:  # already logged by aiogram with the update id
            log.debug("webhook update failed", exc_info=True)

    async def close(self) -> None:
        """Stop polling, release the dispatcher's storage, close the HTTP session: the
        session is closed even when an earlier step fails."""
        try:
            if self.polling is not None:
                with suppress(RuntimeError):  # polling had not started yet
                    await self.dispatcher.stop_polling()
                self.polling.cancel()
                with suppress(asyncio.CancelledError):
                    await self.polling
            await close_dispatcher(self.dispatcher)
        finally:
            await self.bot.session.close()


def _dedupe(settings: Settings, dispatcher: Dispatcher) -> UpdateDedupe:
    if settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url)
        dispatcher["closers"].append(client.aclose)
        return RedisUpdateDedupe(client)
    return MemoryUpdateDedupe()


async def start_front_door(
    runtime: Runtime, *, polling: bool = True, bot: Bot | None = None
) -> TelegramFrontDoor | None:
    """The bot inside the API process, when a token is configured (else None).

    With ``POLICYDESK_WEBHOOK_URL`` the webhook is registered with Telegram; otherwise,
    with ``polling``, long polling runs as a background task.
    """
    settings = runtime.settings
    if settings.bot_token is None:
        return None
    bot = bot or create_bot(settings)
    try:
        return await _open_front_door(runtime, bot, polling)
    except BaseException:
        await bot.session.close()  # nothing else will: the caller never got the front door
        raise


async def _open_front_door(runtime: Runtime, bot: Bot, polling: bool) -> TelegramFrontDoor:
    settings = runtime.settings
    dispatcher = create_dispatcher(runtime)
    await publish_commands(bot, settings.admin_chat_ids)
    secret: str | None = None
    task: asyncio.Task[None] | None = None
    if settings.webhook_url:
        if settings.webhook_secret is not None:
            secret = settings.webhook_secret.get_secret_value()
        else:
            # Development only (production refuses to start without one): a per-process secret.
            secret = secrets.token_urlsafe(32)
            log.warning("POLICYDESK_WEBHOOK_SECRET not set; using a random one for this process")
        try:
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=secret,
                allowed_updates=dispatcher.resolve_used_update_types(),
            )
        except TelegramAPIError:
            # The API and web chat still serve; Telegram keeps any webhook set before.
            log.exception("could not register the webhook %s", settings.webhook_url)
    elif polling:
        task = asyncio.create_task(_poll(bot, dispatcher))
    return TelegramFrontDoor(bot, dispatcher, secret, _dedupe(settings, dispatcher), task)


async def _poll(bot: Bot, dispatcher: Dispatcher) -> None:
    # A webhook left registered would make getUpdates fail with 409 Conflict.
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.start_polling(
        bot,
        handle_signals=False,
        close_bot_session=False,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )


async def run_polling(runtime: Runtime) -> None:
    """``policydesk bot``: long polling until interrupted, with a delivery worker for the
    outbox (answers, notices, campaigns) unless workers run separately."""
    bot = create_bot(runtime.settings)
    dispatcher = create_dispatcher(runtime)
    start_background(runtime)
    settings = runtime.settings
    try:
        async with background_worker(
            settings, runtime.engine, runtime.sessions, runtime.transports, runtime.outbox
        ):
            await publish_commands(bot, settings.admin_chat_ids)
            await bot.delete_webhook(drop_pending_updates=False)
            await dispatcher.start_polling(
                bot, allowed_updates=dispatcher.resolve_used_update_types()
            )
    finally:
        await close_dispatcher(dispatcher)
        await bot.session.close()
