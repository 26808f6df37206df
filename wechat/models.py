"""The WeChat channel's tables: the followers, and the access token stored so that
every process shares one.

WeChat issues one valid token per app at a time (a new grant retires the old one after a
short overlap), so processes that each fetched their own would keep invalidating each
other. One row per app id holds the current token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class WeChatToken(Base):
    __tablename__ = "wechat_access_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Follower(Base):
    """A person following the Official Account, known by their openid. Their number
    (``id``) is how the rest of the product addresses them: the ``chat_id`` of their
    questions and subscriber record, the address of their outbox messages."""

    __tablename__ = "wechat_followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last time they wrote or tapped the menu: customer-service messages may reach
    # them for 48 hours after it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
