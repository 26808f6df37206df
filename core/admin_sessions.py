"""Server-side records of the admin UI's browser sessions.

The browser's signed cookie carries a random session id; this table holds only its
SHA-256 hash, who the session belongs to and when it ends. A session is live while its
row exists and has not expired, so logging out, deactivating an officer or changing an
officer's password ends it on the server: a copy of the cookie taken earlier is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

OFFICER = "officer"
TOKEN = "token"  # noqa: S105 - the kind of a session opened with an API token, not a secret


class AdminSession(Base):
    __tablename__ = "admin_sessions"
    __table_args__ = (Index("ix_admin_sessions_subject", "kind", "subject_id"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # OFFICER or TOKEN
    subject_id: Mapped[int] = mapped_column()  # the officer's or the API token's id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


async def open_session(
    session: AsyncSession, kind: str, subject_id: int, lifetime: timedelta
) -> str:
    """A new session for ``kind``/``subject_id``; its id, for the cookie only.

    Sessions that have expired are removed on the way, so the table stays small.
    """
    now = utcnow()
    await session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            id_hash=_hash(session_id),
            kind=kind,
            subject_id=subject_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return session_id


async def live_session(session: AsyncSession, session_id: str) -> AdminSession | None:
    """The unexpired session with this id, or None."""
    row = await session.get(AdminSession, _hash(session_id))
    if row is None or row.expires_at <= utcnow():
        return None
    return row


async def end_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(AdminSession).where(AdminSession.id_hash == _hash(session_id)))


async def end_sessions_of(session: AsyncSession, kind: str, subject_id: int) -> None:
    """End every session of one officer (``OFFICER``) or one API token (``TOKEN``)."""
    await session.execute(
        delete(AdminSession).where(AdminSession.kind == kind, AdminSession.subject_id == subject_id)
    )
