"""One ``AsyncSession`` per update, committed when the handler returns."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class DbSessionMiddleware(BaseMiddleware):
    """Hands handlers a ``session``; commits on success, rolls back on any error.

    Handlers that talk to Telegram after writing commit first themselves, so that no
    database lock is held while waiting on the network.

    With ``serialise`` (SQLite, one writer at a time), updates take turns for their first
    transaction in this process: the turn passes on at that transaction's commit or
    rollback, so waiting updates queue here instead of polling SQLite's busy handler,
    whose back-off sleeps halved throughput under concurrency.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], serialise: bool = False):
        self.sessions = sessions
        self._turn = asyncio.Lock() if serialise else None

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event_: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.sessions() as session:
            release = await self._take_turn(session)
            data["session"] = session
            try:
                result = await handler(event_, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                release()
                # Error handlers run outside this middleware: they must not see a closed session.
                data.pop("session", None)

    async def _take_turn(self, session: AsyncSession) -> Callable[..., None]:
        turn = self._turn
        if turn is None:
            return lambda *_: None
        await turn.acquire()
        held = True

        def release(*_: Any) -> None:
            # Called from the session's commit/rollback (same thread as the event loop).
            nonlocal held
            if held:
                held = False
                turn.release()

        event.listen(session.sync_session, "after_commit", release)
        event.listen(session.sync_session, "after_rollback", release)
        return release
