"""The aiogram adapter of the sending port: the only campaigns module that knows aiogram.

aiogram's exception types decide the outcome; the policy in ``campaigns.sender`` only
sees ``SendResult``.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiohttp import ClientConnectorError, ConnectionTimeoutError

from campaigns.port import Outcome, OutgoingMessage, SendResult
from core.errors import Conflict
from core.settings import Settings


class TelegramPort:
    """Sends campaign messages through a real ``AiohttpSession``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @property
    def bot_key(self) -> str:
        # The bot id (the part before ':') is public; the secret half never leaves the token.
        return f"bot{self.bot.id}"

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        markup = None
        if message.button_text and message.button_url:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=message.button_text, url=message.button_url)]
                ]
            )
        try:
            sent: Message
            if message.image:
                sent = await self.bot.send_photo(
                    chat_id, message.image, caption=message.text, reply_markup=markup
                )
            else:
                sent = await self.bot.send_message(chat_id, message.text, reply_markup=markup)
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

    async def close(self) -> None:
        await self.bot.session.close()


def never_sent(exc: TelegramNetworkError) -> bool:
    """Whether the request surely never reached Telegram: no connection was made (refused,
    unreachable, connect timeout). A timeout or a dropped connection after the request was
    written may follow a delivered message, so sending again could duplicate it."""
    return isinstance(exc.__cause__, ClientConnectorError | ConnectionTimeoutError)


def make_bot(settings: Settings, *, timeout: float = 20.0) -> Bot:
    """An aiogram ``Bot`` for the configured token and API server (``TELEGRAM_API_BASE``)."""
    if settings.bot_token is None:
        raise Conflict("no bot token configured (POLICYDESK_BOT_TOKEN)")
    if settings.telegram_api_base:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_base), timeout=timeout
        )
    else:
        session = AiohttpSession(timeout=timeout)
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def make_port(settings: Settings) -> TelegramPort:
    return TelegramPort(make_bot(settings))
