"""A bot session that records outgoing Bot API requests instead of sending them.

In the spirit of aiogram's own ``tests/mocked_bot.py``: handlers run for real, and the
test inspects what they would have sent. Failures can be injected per chat.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import GetMe, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, User

BOT_USER = User(id=4242, is_bot=True, first_name="policydesk", username="policydesk_bot")

Failure = Callable[[TelegramMethod[Any]], Exception]


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.failures: dict[int, tuple[Failure, int | None]] = {}
        self._message_ids = itertools.count(1000)

    def fail_for(self, chat_id: int, failure: Failure, times: int | None = None) -> None:
        """Requests addressed to ``chat_id`` raise ``failure(method)`` (``times`` times, or
        every time)."""
        self.failures[chat_id] = (failure, times)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        self.requests.append(method)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int) and chat_id in self.failures:
            failure, times = self.failures[chat_id]
            if times is not None:
                if times <= 1:
                    del self.failures[chat_id]
                else:
                    self.failures[chat_id] = (failure, times - 1)
            raise failure(method)
        return self._result(method)  # type: ignore[return-value]

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendMessage):
            assert isinstance(method.chat_id, int)
            return Message(
                message_id=next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=method.chat_id, type="private" if method.chat_id > 0 else "group"),
                from_user=BOT_USER,
                text=method.text,
                reply_markup=method.reply_markup,
            )
        return True

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the base class signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - the bot downloads nothing
        yield b""

    # --- inspection -------------------------------------------------------------------
    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m.text for m in self.of(SendMessage) if chat_id is None or m.chat_id == chat_id]

    def clear(self) -> None:
        self.requests.clear()
