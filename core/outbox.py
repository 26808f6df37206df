"""The outbox port: how any service tells a person something, on the channel they use.

A service writes the message into the outbox in the same transaction as the change that
causes it (an officer's answer, a waitlist promotion, a cancelled event): committed
together, or not at all. Delivery workers send the rows later through each channel's
transport, with the leases, rate limits and retries campaigns use, so a message is never
lost to a crash or a refused request and never sent twice.

The port lives here so that the knowledge base and events can write messages; the table
and the workers belong to campaigns (``campaigns.outbox``), wired in at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

# Channels a person can be reached on; their transports live at the edge (bot, webchat, wechat).
TELEGRAM = "telegram"
WEB = "web"
WECHAT = "wechat"
CHANNELS = (TELEGRAM, WEB, WECHAT)


@dataclass(frozen=True)
class Message:
    """One plain-text message to one person on one channel.

    ``address`` is the channel's own: a Telegram chat id, a web chat id, a WeChat openid.
    ``header_key`` names a heading the transport shows above the text, in the recipient's
    language (for an officer's answer: "工作人员答复"). ``topic`` says what the message is
    about (``officer_answer``, ``event_promoted`` …) for officers' delivery figures.
    """

    channel: str
    address: str
    text: str
    topic: str
    header_key: str | None = None


class Outbox(Protocol):
    async def put(self, session: AsyncSession, message: Message) -> None:
        """Add ``message`` to the outbox in ``session``'s transaction."""
        ...
