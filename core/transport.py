"""The sending port: what the delivery policy needs from a channel, without its library.

Each channel's transport implements it at the edge: Telegram (``bot.transport``, over
aiogram), the web chat (``webchat.transport``), WeChat (``wechat.transport``); tests may
plug in fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One message. A campaign's: Telegram HTML text (a caption when there is an image),
    optional image (URL or Telegram file id) and optional URL button. A service
    message's (``plain``): plain text the transport escapes for its channel, under the
    heading ``header_key`` in the recipient's language when set."""

    text: str
    image: str | None = None
    button_text: str | None = None
    button_url: str | None = None
    plain: bool = False
    header_key: str | None = None


class Outcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429: not delivered; wait ``retry_after`` seconds
    BLOCKED = "blocked"  # 403: the user blocked the bot or is gone
    TRANSIENT = "transient"  # 5xx, or no connection made: not delivered; retry with backoff
    UNKNOWN = "unknown"  # sent, but the answer was lost (timeout, dropped): maybe delivered
    REJECTED = "rejected"  # 4xx other than the above: retrying will not help
    # WeChat 45015: the user has not written for 48 h, customer-service messages are refused
    OUT_OF_WINDOW = "out_of_window"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


class MessagePort(Protocol):
    """Sends one message to one address and reports what happened; never raises for API
    errors. A transport with no rate limit to respect (the web chat's) has a class
    attribute ``paced = False``."""

    @property
    def bot_key(self) -> str:
        """A non-secret name of the sending account, shared by every worker using it (the
        rate limit's key): the Telegram bot id, the WeChat app id."""
        ...

    async def send(self, address: str, message: OutgoingMessage) -> SendResult: ...

    async def close(self) -> None: ...
