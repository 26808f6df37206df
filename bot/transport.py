"""The Telegram transport of the outbox: campaign deliveries and service messages sent
through aiogram.

aiogram's exception types decide the outcome; the policy in ``campaigns.sender`` only
sees ``SendResult``.
"""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiohttp import ClientConnectorError, ConnectionTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import render_plain
from core.chat_users import locale_of
from core.i18n import DEFAULT_LOCALE, Translator
from core.settings import Settings
from core.transport import Outcome, OutgoingMessage, SendResult


class TelegramPort:
    """Sends campaign messages and service messages through a real ``AiohttpSession``.

    A service message is plain text: escaped here and split at Telegram's length limit,
    under its heading in the chat's language (read from ``sessions``)."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.bot = bot
        self.sessions = sessions

    @property
    def bot_key(self) -> str:
        # The bot id (the part before ':') is public; the secret half never leaves the token.
        return f"bot{self.bot.id}"

    async def send(self, address: str, message: OutgoingMessage) -> SendResult:
        chat_id = int(address)
        if message.plain:
            return await self._send_plain(chat_id, message)
        markup = None
        if message.button_text and message.button_url:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=message.button_text, url=message.button_url)]
                ]
            )
        if message.image:
            request = self.bot.send_photo(
                chat_id, message.image, caption=message.text, reply_markup=markup
            )
        else:
            request = self.bot.send_message(chat_id, message.text, reply_markup=markup)
        return await _result_of(request)

    async def _send_plain(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        header = None
        if message.header_key:
            locale = DEFAULT_LOCALE
            if self.sessions is not None:
                async with self.sessions() as session:
                    locale = await locale_of(session, chat_id) or DEFAULT_LOCALE
            header = Translator(locale)(message.header_key)
        parts = render_plain(message.text, header=header)
        result = SendResult(Outcome.SENT)
        for index, part in enumerate(parts):
            result = await _result_of(self.bot.send_message(chat_id, part))
            if result.outcome != Outcome.SENT and index > 0:
                # The first parts arrived: sending the whole message again would repeat them.
                return SendResult(
                    Outcome.UNKNOWN,
                    error=f"{index} of {len(parts)} parts sent; then {result.error}",
                )
            if result.outcome != Outcome.SENT:
                return result
        return result

    async def close(self) -> None:
        await self.bot.session.close()


async def _result_of(request: Awaitable[Message]) -> SendResult:
    """What one Bot API request's answer (or exception) means for the delivery."""
    try:
        sent = await request
    except TelegramRetryAfter as exc:
        return SendResult(Outcome.RETRY_AFTER, retry_after=exc.retry_after, error=exc.message)
    except TelegramForbiddenError as exc:
        return SendResult(Outcome.BLOCKED, error=exc.message)
    except TelegramNetworkError as exc:
        outcome = Outcome.TRANSIENT if never_sent(exc) else Outcome.UNKNOWN
        return SendResult(outcome, error=f"{type(exc).__name__}: {exc.message}")
    except TelegramServerError as exc:
        return SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {exc.message}")
    except TelegramAPIError as exc:
        return SendResult(Outcome.REJECTED, error=f"{type(exc).__name__}: {exc.message}")
    return SendResult(Outcome.SENT, message_id=sent.message_id)


def never_sent(exc: TelegramNetworkError) -> bool:
    """Whether the request surely never reached Telegram: no connection was made (refused,
    unreachable, connect timeout). A timeout or a dropped connection after the request was
    written may follow a delivered message, so sending again could duplicate it."""
    return isinstance(exc.__cause__, ClientConnectorError | ConnectionTimeoutError)


def make_port(
    settings: Settings, sessions: async_sessionmaker[AsyncSession] | None = None
) -> TelegramPort:
    """The transport for the configured bot. Its bot reports flood control (429) to the
    worker, which paces every sender of the token, instead of waiting it out itself."""
    from bot.factory import create_bot  # the factory's routers use this module

    return TelegramPort(create_bot(settings, wait_on_flood=False, timeout=20.0), sessions)
