"""Campaign messages to WeChat followers as customer-service text messages.

The WeChat transport of the outbox (``core.transport``), addressed by openid. WeChat's
text messages are plain text of at most 2048 bytes: a longer text goes as several
messages (``split_text``). A campaign's Telegram HTML is sent as the text it shows (link
targets are lost; a button goes as a last line with its link, as WeChat has no buttons
under a text); an image is not sent (it would have to be uploaded as media first). A
service message's heading is in the default language: followers have no stored locale.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns.tg_html import plain_text
from core.db import utcnow
from core.errors import InvalidInput
from core.i18n import DEFAULT_LOCALE, translate
from core.transport import Outcome, OutgoingMessage, SendResult
from wechat.callback import split_text
from wechat.client import WeChatApi
from wechat.config import WeChatConfig
from wechat.models import Follower


class WeChatTransport:
    """Sends one campaign message to one follower; never raises for API errors."""

    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    @property
    def key(self) -> str:
        """The rate-limit key shared by every worker sending for this account (the app id
        is public; the secret never appears)."""
        return f"wechat:{self.api.app_id}"

    @property
    def bot_key(self) -> str:
        """``key`` under the name ``core.transport.MessagePort`` gives it."""
        return self.key

    async def send(self, address: str, message: OutgoingMessage) -> SendResult:
        """Send ``message.text`` to the follower ``address`` (an openid), in parts if long.

        A part that fails after earlier parts went is ``UNKNOWN``: sending the message
        again would repeat what the follower already has."""
        try:
            text = _text_of(message)
        except InvalidInput as exc:
            return SendResult(Outcome.REJECTED, error=exc.message)
        if message.button_text and message.button_url:
            text = f"{text}\n\n{message.button_text}：{message.button_url}"
        parts = split_text(text)
        if not parts:
            return SendResult(Outcome.REJECTED, error="empty message")
        first: SendResult | None = None
        for sent, part in enumerate(parts):
            result = await self.api.send_text(address, part)
            if result.outcome != Outcome.SENT:
                if sent == 0:
                    return result
                return SendResult(
                    Outcome.UNKNOWN,
                    error=f"{sent} of {len(parts)} parts sent, then: "
                    f"{result.outcome.value} {result.error}".strip(),
                )
            first = first or result
        assert first is not None
        return first

    async def close(self) -> None:
        await self.api.close()


def _text_of(message: OutgoingMessage) -> str:
    if not message.plain:
        return plain_text(message.text, limit=sys.maxsize)
    if message.header_key:
        # Headings are written for Telegram (HTML): WeChat shows their text.
        heading = plain_text(translate(DEFAULT_LOCALE, message.header_key), limit=sys.maxsize)
        return f"{heading}\n\n{message.text}"
    return message.text


# WeChat's template fields hold short values ("thing" fields: 20 characters).
TEMPLATE_TITLE_CHARS = 20
TEMPLATE_TEXT_CHARS = 20


def template_data(
    fields: Mapping[str, str], message: OutgoingMessage, now: datetime, zone: tzinfo
) -> dict[str, str]:
    """A template message's values for ``message``: each field filled by its source, the
    message's first line (``title``), the rest (``text``), the time (``time``) or fixed
    words (``=…``). The follower taps it to open the web chat for the whole text."""
    lines = [line.strip() for line in _text_of(message).splitlines() if line.strip()]
    title = lines[0] if lines else ""
    rest = " ".join(lines[1:]) or title
    sources = {
        "title": _clip(title, TEMPLATE_TITLE_CHARS),
        "text": _clip(rest, TEMPLATE_TEXT_CHARS),
        "time": now.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
    }
    return {
        name: source[1:] if source.startswith("=") else sources.get(source, "")
        for name, source in fields.items()
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FollowerTransport:
    """The outbox's WeChat transport: rows are addressed to a follower's number (like a
    Telegram chat id), sent to their openid. A follower who unfollowed is not sent to.

    Customer-service messages reach only followers who wrote in the last 48 hours. For the
    others, the office's template message (``POLICYDESK_WECHAT_TEMPLATE_ID``) goes instead
    when one is configured; without one they are counted out of window."""

    def __init__(
        self,
        transport: WeChatTransport,
        sessions: async_sessionmaker[AsyncSession],
        zone: tzinfo,
    ):
        self.transport = transport
        self.sessions = sessions
        self.zone = zone

    @property
    def bot_key(self) -> str:
        return self.transport.bot_key

    async def send(self, address: str, message: OutgoingMessage) -> SendResult:
        if not address.isdigit():
            return SendResult(Outcome.REJECTED, error=f"not a follower number: {address!r}")
        async with self.sessions() as session:
            follower = await session.get(Follower, int(address))
        if follower is None:
            return SendResult(Outcome.REJECTED, error=f"no follower {address}")
        if not follower.following:
            return SendResult(Outcome.BLOCKED, error="the follower has unfollowed the account")
        result = await self.transport.send(follower.openid, message)
        config = self.transport.api.config
        if result.outcome != Outcome.OUT_OF_WINDOW or not config.template_id:
            return result
        data = template_data(config.template_fields, message, utcnow(), self.zone)
        return await self.transport.api.send_template(
            follower.openid, config.template_id, data, config.page_url
        )

    async def close(self) -> None:
        await self.transport.close()


def make_transport(
    config: WeChatConfig, sessions: async_sessionmaker[AsyncSession], zone: tzinfo
) -> FollowerTransport:
    return FollowerTransport(WeChatTransport(WeChatApi(config, sessions)), sessions, zone)
