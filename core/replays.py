"""Answering a repeated request with its first reply (the ``Idempotency-Key`` header).

A client that lost the response to a sign-up (a dropped connection, a killed tab) sends
the same request again with the same key and gets the first reply, not a 409 and no
secret. The reply is written in the same transaction as the change it reports, so a
committed change always has its reply. Replies are kept for a day; a key used again with
a different request is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.errors import Conflict

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)


class RequestReplay(Base):
    __tablename__ = "request_replays"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_request_replays_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def digest_of(*parts: object) -> str:
    """A fingerprint of the request, so that a key reused for another request is caught."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def earlier_reply(
    session: AsyncSession, scope: str, key: str, digest: str, now: datetime | None = None
) -> dict[str, Any] | None:
    """The reply first given to this key, or None; a different request under it is a 409."""
    row = await session.scalar(
        select(RequestReplay).where(RequestReplay.scope == scope, RequestReplay.key == key)
    )
    if row is None or row.created_at < (now or utcnow()) - KEEP:
        return None
    if row.digest != digest:
        raise Conflict(
            f"{HEADER} 已用于另一个请求，请换一个新的 (this key was used for a different request)",
            field=HEADER,
        )
    return dict(row.reply)


async def remember_reply(
    session: AsyncSession,
    scope: str,
    key: str,
    digest: str,
    reply: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """Keep ``reply`` for ``key`` in the caller's transaction; replies older than a day go."""
    now = now or utcnow()
    await session.execute(delete(RequestReplay).where(RequestReplay.created_at < now - KEEP))
    session.add(RequestReplay(scope=scope, key=key, digest=digest, reply=reply, created_at=now))
    await session.flush()
