"""The outbox behind ``core.outbox``: a service message is a delivery row with no campaign.

Rows are sent by the same workers as campaign deliveries (``campaigns.worker``), through
the transport of their channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from campaigns.models import Delivery, DeliveryStatus
from core.outbox import CHANNELS, Message

MAX_ADDRESS = 128


class DeliveryOutbox:
    """Writes service messages as pending delivery rows in the caller's transaction.

    ``listeners`` are called once the transaction that wrote a message commits: the
    process's own delivery worker wakes then instead of at its next poll.
    """

    def __init__(self) -> None:
        self.listeners: list[Callable[[], None]] = []

    async def put(self, session: AsyncSession, message: Message) -> None:
        if message.channel not in CHANNELS:
            raise ValueError(f"unknown channel {message.channel!r}")
        if not message.address or len(message.address) > MAX_ADDRESS:
            raise ValueError(f"bad {message.channel} address {message.address!r}")
        session.add(
            Delivery(
                channel=message.channel,
                address=message.address,
                text=message.text,
                topic=message.topic,
                header_key=message.header_key,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
            )
        )
        await session.flush()
        if self.listeners:
            event.listen(session.sync_session, "after_commit", self._committed, once=True)

    def _committed(self, _session: Session) -> None:
        for listener in self.listeners:
            listener()


async def service_messages(
    session: AsyncSession, channel: str | None = None, address: str | None = None
) -> list[Delivery]:
    """Service messages in the order written, optionally to one channel or address."""
    query = select(Delivery).where(Delivery.campaign_id.is_(None)).order_by(Delivery.id)
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    if address is not None:
        query = query.where(Delivery.address == address)
    return list(await session.scalars(query))


async def service_message_counts(
    session: AsyncSession, since: datetime | None = None
) -> dict[str, dict[str, int]]:
    """Service messages (answers, notices) written since ``since``, by channel and outcome:
    the officers' delivery figures (who could not be reached, and why)."""
    query = select(Delivery.channel, Delivery.status, func.count(Delivery.id)).where(
        Delivery.campaign_id.is_(None)
    )
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    rows = await session.execute(query.group_by(Delivery.channel, Delivery.status))
    counts: dict[str, dict[str, int]] = {}
    for channel, status, count in rows.all():
        counts.setdefault(channel, {})[status] = int(count)
    return counts
