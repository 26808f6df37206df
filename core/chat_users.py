"""People who talk to the bot: their remembered language and whether they blocked us.

Keyed by the chat user's id (a Telegram user id); written only when something changed, so
that a busy user does not take the database's write lock on every message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.errors import InvalidInput
from core.i18n import SUPPORTED_LOCALES, pick_locale
from core.upsert import insert_for


class ChatUser(Base):
    __tablename__ = "chat_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # The language the user chose with /language; None means "follow the client".
    locale: Mapped[str | None] = mapped_column(String(8))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def effective_locale(self) -> str:
        return self.locale or pick_locale(self.language_code)


async def get_chat_user(session: AsyncSession, user_id: int) -> ChatUser | None:
    return await session.scalar(select(ChatUser).where(ChatUser.user_id == user_id))


async def touch_chat_user(
    session: AsyncSession,
    user_id: int,
    *,
    username: str | None = None,
    language_code: str | None = None,
) -> ChatUser:
    """The user, created on first contact; profile fields refreshed when they changed.

    A user who had blocked the bot and writes again is no longer blocked.
    """
    row = await get_chat_user(session, user_id)
    if row is None:
        # Two first updates of one user may race: the loser of the insert reads the winner.
        statement = insert_for(session, ChatUser).values(
            user_id=user_id,
            username=username,
            language_code=language_code,
            blocked=False,
            created_at=utcnow(),
        )
        await session.execute(statement.on_conflict_do_nothing(index_elements=["user_id"]))
        row = await get_chat_user(session, user_id)
        assert row is not None
        return row
    if (row.username, row.language_code) != (username, language_code):
        row.username, row.language_code = username, language_code
    if row.blocked:
        row.blocked, row.blocked_at = False, None
    await session.flush()
    return row


async def set_locale(session: AsyncSession, user_id: int, locale: str) -> ChatUser:
    """Remember the user's language choice."""
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(f"unsupported language {locale!r}", field="locale")
    row = await get_chat_user(session, user_id) or await touch_chat_user(session, user_id)
    row.locale = locale
    await session.flush()
    return row


async def mark_blocked(session: AsyncSession, user_id: int) -> None:
    """The user blocked the bot: remember it (until they write again)."""
    row = await get_chat_user(session, user_id) or await touch_chat_user(session, user_id)
    if not row.blocked:
        row.blocked, row.blocked_at = True, utcnow()
        await session.flush()


async def locale_of(session: AsyncSession, user_id: int) -> str | None:
    """The user's effective locale, or None for someone we have never met."""
    row = await get_chat_user(session, user_id)
    return None if row is None else row.effective_locale
