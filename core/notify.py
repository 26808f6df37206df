"""The outgoing-message port: services tell a person something without knowing the channel.

The bot registers a Telegram sender, the web chat a sender that queues a message for the
browser; services call ``notifier.send(channel, address, text)``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from core.errors import DomainError

log = logging.getLogger(__name__)


class DeliveryFailed(DomainError):
    """The channel refused or failed to take the message; the caller may try again."""

    code = "delivery_failed"


class Sender(Protocol):
    async def __call__(self, address: str, text: str) -> None: ...


class Notifier:
    """Routes a message to the sender registered for its channel ('telegram', 'web', ...)."""

    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, channel: str, sender: Sender) -> None:
        self._senders[channel] = sender

    def has(self, channel: str) -> bool:
        return channel in self._senders

    async def send(self, channel: str, address: str, text: str) -> bool:
        """True when handed to the channel; False when no sender is registered for it."""
        sender = self._senders.get(channel)
        if sender is None:
            log.warning("no sender for channel %s; message to %s not delivered", channel, address)
            return False
        await sender(address, text)
        return True
