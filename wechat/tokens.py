"""The access token, shared by every process through the database.

WeChat keeps one access token per app: each grant (``/cgi-bin/token``) retires the one
before after a short overlap, and grants are limited per day. Processes that each fetched
their own would keep invalidating each other, so the token lives in one row
(``wechat_access_tokens``) and only one process at a time refreshes it: on PostgreSQL
under ``SELECT … FOR UPDATE`` on that row, on SQLite inside ``write_transaction``'s
``BEGIN IMMEDIATE``. Whoever gets the lock reads the row again and fetches only if it is
still stale; the others find the fresh token when their turn comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from core.upsert import insert_for
from wechat.models import WeChatToken

# A token with less than this left is refreshed: a send that takes the token just before
# it expires would otherwise fail with 42001.
REFRESH_MARGIN = timedelta(minutes=5)
EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)

# Fetches a new token from WeChat: (token, seconds it is valid).
Fetch = Callable[[], Awaitable[tuple[str, int]]]


class TokenStore:
    """The current access token of ``app_id``; refreshes it when it is about to expire."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        app_id: str,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.app_id = app_id
        self.clock = clock
        # Callers in this process queue here rather than each taking the database lock.
        self._lock = asyncio.Lock()

    async def get(self, client_fetch: Fetch) -> str:
        """The stored token while it has more than ``REFRESH_MARGIN`` left; otherwise one
        caller among all processes fetches a new one with ``client_fetch`` and stores it.
        Errors of ``client_fetch`` propagate (nothing is stored)."""
        async with self.sessions() as session:
            row = await session.get(WeChatToken, self.app_id)
            if row is not None and self._fresh(row):
                return row.token
        async with self._lock:
            return await self._refresh(client_fetch)

    async def invalidate(self, token: str) -> None:
        """WeChat refused ``token`` (40001, 42001, 40014): mark it expired, but only if it
        is still the stored one, so that callers who all saw the same refusal cause one
        refresh, not one each."""
        async with write_transaction(self.sessions) as session:
            await session.execute(
                update(WeChatToken)
                .where(WeChatToken.app_id == self.app_id, WeChatToken.token == token)
                .values(expires_at=EXPIRED)
            )

    def _fresh(self, row: WeChatToken) -> bool:
        return bool(row.token) and row.expires_at - self.clock() > REFRESH_MARGIN

    async def _refresh(self, client_fetch: Fetch) -> str:
        await self._ensure_row()
        async with write_transaction(self.sessions) as session:
            row = await session.scalar(
                select(WeChatToken)
                .where(WeChatToken.app_id == self.app_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            assert row is not None  # _ensure_row made it; rows are never deleted
            if self._fresh(row):
                return row.token  # another caller refreshed it while we waited
            token, expires_in = await client_fetch()
            row.token = token
            row.expires_at = self.clock() + timedelta(seconds=expires_in)
            return token

    async def _ensure_row(self) -> None:
        """An expired placeholder row, so that the first refresh has a row to lock (on
        PostgreSQL, ``FOR UPDATE`` on a missing row locks nothing)."""
        async with write_transaction(self.sessions) as session:
            statement = insert_for(session, WeChatToken).values(
                app_id=self.app_id, token="", expires_at=EXPIRED
            )
            await session.execute(statement.on_conflict_do_nothing(index_elements=["app_id"]))
