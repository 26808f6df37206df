"""Officer accounts for the browser: a username and a password hashed with argon2id.

API clients use bearer tokens (``core.tokens``); people in a browser log in with these.
Hashing and verifying a password takes a good part of a second of CPU, so it runs in a
small pool of threads of its own, never on the event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.admin_sessions import OFFICER, end_sessions_of
from core.db import Base, UTCDateTime, utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.tokens import Role

T = TypeVar("T")
MIN_PASSWORD_CHARS = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the username is unknown keeps the timing of both cases alike.
_DUMMY_HASH = _hasher.hash("policydesk-no-such-officer")
# argon2 releases the GIL, so each thread here takes a core. One core stays free for the
# event loop: a burst of logins waits its turn instead of stalling every other request.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_argon2_pool = ThreadPoolExecutor(max(1, (_CORES or 1) - 1), thread_name_prefix="argon2")


async def _off_loop(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_argon2_pool, work)


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


async def _hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password."""
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD_CHARS} characters", field="password"
        )
    return await _off_loop(lambda: _hasher.hash(password))


async def create_officer(
    session: AsyncSession, username: str, password: str, role: str = Role.OFFICER.value
) -> Officer:
    """Add an officer; the password is stored only as an argon2id hash."""
    name = _check_username(username)
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; use officer or admin", field="role") from None
    password_hash = await _hash_password(password)
    if await session.scalar(select(Officer.id).where(Officer.username == name)) is not None:
        raise Conflict(f"officer {name!r} already exists", field="username")
    row = Officer(username=name, password_hash=password_hash, role=parsed.value)
    session.add(row)
    await session.flush()
    return row


async def _matches(stored: str | None, password: str) -> bool:
    # Verifying against the dummy hash when there is no officer keeps the timing alike.
    try:
        return await _off_loop(lambda: _hasher.verify(stored or _DUMMY_HASH, password or ""))
    except (VerificationError, InvalidHashError):
        return False


async def _logged_in(row: Officer | None, password: str) -> Officer | None:
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = await _off_loop(lambda: _hasher.hash(password))
    row.last_login_at = utcnow()
    return row


async def verify_officer(session: AsyncSession, username: str, password: str) -> Officer | None:
    """The active officer with these credentials, or None. Rehashes outdated hashes."""
    row = await session.scalar(select(Officer).where(Officer.username == (username or "").strip()))
    if not await _matches(row.password_hash if row else None, password) or row is None:
        return None
    return await _logged_in(row, password)


async def log_in(
    sessions: async_sessionmaker[AsyncSession], username: str, password: str
) -> Officer | None:
    """``verify_officer`` for the login page, committed, holding no database connection
    while argon2 runs: a login may queue behind others for the argon2 threads, and the
    connections are needed by everything else meanwhile."""
    name = (username or "").strip()
    async with sessions() as session:
        stored = await session.scalar(select(Officer.password_hash).where(Officer.username == name))
    if not await _matches(stored, password) or stored is None:
        return None
    async with sessions() as session:
        row = await session.scalar(select(Officer).where(Officer.username == name))
        if row is not None and row.password_hash != stored:
            return None  # the password was changed while this one was being checked
        officer = await _logged_in(row, password)
        await session.commit()
    return officer


async def _officer(session: AsyncSession, username: str) -> Officer:
    row = await session.scalar(select(Officer).where(Officer.username == (username or "").strip()))
    if row is None:
        raise NotFound(f"officer {username!r} does not exist", field="username")
    return row


async def set_officer_password(session: AsyncSession, username: str, password: str) -> Officer:
    """A new password for an officer; every browser session of theirs ends."""
    row = await _officer(session, username)
    row.password_hash = await _hash_password(password)
    await end_sessions_of(session, OFFICER, row.id)
    return row


async def set_officer_active(session: AsyncSession, username: str, active: bool) -> Officer:
    """Let an officer log in again, or not; a deactivated officer's sessions end."""
    row = await _officer(session, username)
    row.active = active
    if not active:
        await end_sessions_of(session, OFFICER, row.id)
    return row
