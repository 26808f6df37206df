"""Subscribers to publicity campaigns: opt-in, opt-out, and the attributes segments use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.outbox import TELEGRAM


class Subscriber(Base):
    """A person who may receive campaigns (while ``subscribed`` and not ``blocked``): a
    Telegram chat, or a WeChat follower (``chat_id`` is then the follower's number)."""

    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default=TELEGRAM, server_default=TELEGRAM)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    county: Mapped[str | None] = mapped_column(String(60))
    industry: Mapped[str | None] = mapped_column(String(60))
    above_designated_size: Mapped[bool | None] = mapped_column(Boolean)
    # 'micro' | 'small' | 'medium' | 'large' (企业规模), as the company declared it.
    company_size: Mapped[str | None] = mapped_column(String(12))
    has_patents: Mapped[bool | None] = mapped_column(Boolean)
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


async def get_subscriber(
    session: AsyncSession, chat_id: int, channel: str = TELEGRAM
) -> Subscriber | None:
    return await session.scalar(
        select(Subscriber).where(Subscriber.channel == channel, Subscriber.chat_id == chat_id)
    )


async def subscribe(
    session: AsyncSession, chat_id: int, locale: str = "zh", channel: str = TELEGRAM
) -> Subscriber:
    """Opt in (again). A chat that had blocked the bot and is talking to it again is unblocked."""
    row = await get_subscriber(session, chat_id, channel)
    if row is None:
        row = Subscriber(
            channel=channel, chat_id=chat_id, locale=locale, subscribed=True, blocked=False
        )
        session.add(row)
    else:
        row.subscribed, row.blocked, row.locale = True, False, locale
        row.subscribed_at, row.unsubscribed_at = utcnow(), None
    await session.flush()
    return row


async def unsubscribe(session: AsyncSession, chat_id: int, channel: str = TELEGRAM) -> bool:
    """Opt out, effective immediately. False when the chat was not subscribed."""
    row = await get_subscriber(session, chat_id, channel)
    if row is None or not row.subscribed:
        return False
    row.subscribed, row.unsubscribed_at = False, utcnow()
    await session.flush()
    return True


async def mark_blocked(session: AsyncSession, chat_id: int) -> None:
    """The chat blocked the bot (Telegram 403): never message it again until it returns."""
    row = await get_subscriber(session, chat_id)
    if row is not None and not row.blocked:
        row.blocked, row.blocked_at = True, utcnow()
        await session.flush()
