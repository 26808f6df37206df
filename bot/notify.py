"""The Telegram sender for the runtime's notifier: how an officer's answer (and any other
service message) reaches a chat."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import render_plain
from core.chat_users import locale_of
from core.i18n import DEFAULT_LOCALE, Translator
from core.notify import DeliveryFailed, Sender
from policydesk.runtime import Runtime

log = logging.getLogger(__name__)


def telegram_sender(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    header_key: str | None = "bot.officer.reply",
) -> Sender:
    async def send(address: str, text: str) -> None:
        """Send plain ``text`` (escaped here) under a header in the chat's language
        (none when ``header_key`` is None).

        A chat that blocked the bot is logged and skipped: the officer's answer is still
        recorded. Any other failure (after the bot's own waits on flood control) raises
        ``DeliveryFailed`` so that the caller can retry.
        """
        chat_id = int(address)
        async with sessions() as session:
            locale = await locale_of(session, chat_id) or DEFAULT_LOCALE
        t = Translator(locale)
        header = t(header_key) if header_key else None
        for chunk in render_plain(text, header=header):
            try:
                await bot.send_message(chat_id, chunk)
            except TelegramForbiddenError:
                log.warning("chat %s has blocked the bot; message not delivered", chat_id)
                return
            except TelegramAPIError as exc:
                raise DeliveryFailed(f"Telegram refused the message: {exc.message}") from exc

    return send


def register_telegram_sender(runtime: Runtime, bot: Bot) -> None:
    runtime.notifier.register("telegram", telegram_sender(bot, runtime.sessions))
    # Service notices (event reminders, waitlist promotions) carry their own wording.
    runtime.notifier.register(
        "telegram_notice", telegram_sender(bot, runtime.sessions, header_key=None)
    )
