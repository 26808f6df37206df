"""Officer accounts for the browser: a username and a password hashed with argon2id.

API clients use bearer tokens (``core.tokens``); people in a browser log in with these.
"""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.errors import Conflict, InvalidInput
from core.tokens import Role

MIN_PASSWORD_CHARS = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the username is unknown keeps the timing of both cases alike.
_DUMMY_HASH = _hasher.hash("policydesk-no-such-officer")


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.OFFICER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return self.username


def _check_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 80 or any(ch.isspace() for ch in name):
        raise InvalidInput("the username must be 1-80 characters without spaces", field="username")
    return name


async def create_officer(
    session: AsyncSession, username: str, password: str, role: str = Role.OFFICER.value
) -> Officer:
    """Add an officer; the password is stored only as an argon2id hash."""
    name = _check_username(username)
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD_CHARS} characters", field="password"
        )
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; use officer or admin", field="role") from None
    if await session.scalar(select(Officer.id).where(Officer.username == name)) is not None:
        raise Conflict(f"officer {name!r} already exists", field="username")
    row = Officer(username=name, password_hash=_hasher.hash(password), role=parsed.value)
    session.add(row)
    await session.flush()
    return row


async def verify_officer(session: AsyncSession, username: str, password: str) -> Officer | None:
    """The active officer with these credentials, or None. Rehashes outdated hashes."""
    row = await session.scalar(select(Officer).where(Officer.username == (username or "").strip()))
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.last_login_at = utcnow()
    return row
