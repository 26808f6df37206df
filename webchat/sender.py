"""The ``web`` channel's sender on the notifier: it stores the message for the browser.

A service that answers a question usually sends inside its own transaction. Opening a
second write transaction there would wait on the first one on SQLite (one writer at a
time), so the sender writes through the *ambient* session of the current request or
update when there is one: the message is then committed together with the answer, or not
at all. Front doors bind their session with ``bind_session``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import write_transaction
from core.notify import Notifier
from webchat.models import WebChat, WebMessage

CHANNEL = "web"
_ambient: ContextVar[AsyncSession | None] = ContextVar("policydesk_ambient_session", default=None)


@contextmanager
def bind_session(session: AsyncSession) -> Iterator[None]:
    """Make ``session`` the one senders write through while the block runs."""
    token = _ambient.set(session)
    try:
        yield
    finally:
        _ambient.reset(token)


class WebSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, address: str, text: str) -> None:
        chat_id = int(address)
        session = _ambient.get()
        if session is not None:
            await _store(session, chat_id, text)
            return
        async with write_transaction(self._sessions) as own:
            await _store(own, chat_id, text)


async def _store(session: AsyncSession, chat_id: int, text: str) -> None:
    if await session.get(WebChat, chat_id) is None:
        return  # the browser chat is gone; nothing to deliver to
    session.add(WebMessage(chat_id=chat_id, text=text))
    await session.flush()


def register_web_sender(notifier: Notifier, sessions: async_sessionmaker[AsyncSession]) -> None:
    notifier.register(CHANNEL, WebSender(sessions))
