"""The sending port: what the delivery policy needs from Telegram, without aiogram.

``campaigns.telegram`` adapts aiogram's ``Bot`` to it; tests may plug in fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One campaign message: HTML text (a caption when there is an image), optional
    image (URL or Telegram file id) and optional URL button."""

    text: str
    image: str | None = None
    button_text: str | None = None
    button_url: str | None = None


class Outcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429: not delivered; wait ``retry_after`` seconds
    BLOCKED = "blocked"  # 403: the user blocked the bot or is gone
    TRANSIENT = "transient"  # 5xx, or no connection made: not delivered; retry with backoff
    UNKNOWN = "unknown"  # sent, but the answer was lost (timeout, dropped): maybe delivered
    REJECTED = "rejected"  # 4xx other than the above: retrying will not help


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


class MessagePort(Protocol):
    """Sends one message to one chat and reports what happened; never raises for API errors."""

    @property
    def bot_key(self) -> str:
        """A non-secret name of the bot token, shared by every worker using it (rate keys)."""
        ...

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult: ...

    async def close(self) -> None: ...
