"""Admin API tokens: random bearer secrets, stored only as SHA-256 hashes, with a role.

Tokens carry 256 bits of randomness, so a fast hash is safe here (no password KDF needed);
the hash is compared in constant time by looking it up as an exact key.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "pd_"  # noqa: S105 - a public marker, not a secret


class Role(StrEnum):
    OFFICER = "officer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """An admin may do everything an officer may."""
        return self is Role.ADMIN or needed is Role.OFFICER


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_token(session: AsyncSession, role: str, name: str = "") -> tuple[ApiToken, str]:
    """Store a new token and return it with its plain value (shown once, never stored)."""
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; use officer or admin", field="role") from None
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name or parsed.value, role=parsed.value, token_hash=hash_token(plain))
    session.add(row)
    await session.flush()
    return row, plain


async def authenticate(session: AsyncSession, plain: str) -> ApiToken | None:
    """The live token for this secret, or None for unknown or revoked ones."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row


async def revoke_token(session: AsyncSession, token_id: int) -> ApiToken:
    row = await session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} does not exist")
    row.revoked_at = row.revoked_at or utcnow()
    return row


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))
