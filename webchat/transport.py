"""The web chat's transport of the outbox: a message is stored for the browser, which
fetches it the next time it polls (``GET /api/v1/web/chats/messages``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import write_transaction
from core.transport import Outcome, OutgoingMessage, SendResult
from webchat.models import WebChat, WebMessage


class WebTransport:
    """Writes each message as a ``WebMessage`` of its chat; a chat that is gone is reported
    as blocked (nobody will read it). The page shows an officer's answer as such: no
    heading is added."""

    paced = False  # a row in our own database: no channel rate limit to respect
    bot_key = "web"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def send(self, address: str, message: OutgoingMessage) -> SendResult:
        if not address.isdigit():
            return SendResult(Outcome.REJECTED, error=f"not a web chat id: {address!r}")
        chat_id = int(address)
        async with write_transaction(self._sessions) as session:
            if await session.get(WebChat, chat_id) is None:
                return SendResult(Outcome.BLOCKED, error="the web chat no longer exists")
            row = WebMessage(chat_id=chat_id, text=message.text)
            session.add(row)
            await session.flush()
            return SendResult(Outcome.SENT, message_id=row.id)

    async def close(self) -> None:
        return None
