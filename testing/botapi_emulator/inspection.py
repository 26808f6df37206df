"""Read-side API: what the bot sent, counters, and async waits (mixed into the emulator)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any

from .models import NEW_MESSAGE_METHODS, RecordedCall
from .state import BotState
from .webhook import Delivery

MessagePredicate = Callable[[dict[str, Any]], bool]
CallPredicate = Callable[[RecordedCall], bool]


def message_text(message: dict[str, Any]) -> str:
    """The visible text of a message: ``text`` or ``caption`` (empty string if none)."""
    return str(message.get("text", message.get("caption", "")) or "")


class InspectionMixin:
    """Everything tests use to look at the bot's behaviour."""

    requests: list[RecordedCall]
    """Every Bot API request, in arrival order, including failed ones and getUpdates."""
    method_counts: Counter[str]
    """Number of requests per method name (all outcomes)."""
    status_counts: Counter[int]
    """Number of answers per HTTP status."""
    webhook_deliveries: list[Delivery]
    """Every webhook POST attempt (status None = no HTTP answer)."""
    bots: dict[str, BotState]
    default_token: str
    _activity: asyncio.Event
    _seen_messages: set[tuple[str, Any, int]]
    _seen_calls: set[int]
    _ok_by_chat: dict[str, list[RecordedCall]]

    @property
    def rate_limited_count(self) -> int:
        """How many 429 answers were returned (limiter and injected)."""
        return self.status_counts[429]

    def notify(self) -> None:
        """Wake ``wait_for_*`` helpers (called after every recorded change)."""
        self._activity.set()
        self._activity = asyncio.Event()

    def sent(
        self,
        chat_id: int | str | None = None,
        *,
        method: str | None = None,
        token: str | None = None,
    ) -> list[RecordedCall]:
        """Successful calls aimed at ``chat_id`` (all chats if None), oldest first.

        Includes sends, edits, deletes and chat actions; filter with ``method``.
        ``token`` None means every bot.
        """
        if chat_id is None:
            calls = [c for c in self.requests if c.ok and c.chat_id is not None]
        else:
            calls = self._ok_by_chat.get(str(chat_id), [])
        return [
            c
            for c in calls
            if (method is None or c.method == method) and (token is None or c.token == token)
        ]

    def _index(self, call: RecordedCall) -> None:
        """Record ``call`` in the log, counters and per-chat index; wake waiters."""
        self.requests.append(call)
        self.method_counts[call.method] += 1
        self.status_counts[call.status] += 1
        if call.ok and call.chat_id is not None:
            self._ok_by_chat.setdefault(str(call.chat_id), []).append(call)
        self.notify()

    def sent_messages(
        self, chat_id: int | str | None = None, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """Messages created by successful send/copy/forward calls (as first delivered)."""
        return [
            c.message
            for c in self.sent(chat_id, token=token)
            if c.method in NEW_MESSAGE_METHODS and c.message is not None
        ]

    def delivered_texts(
        self, chat_id: int | str | None = None, *, token: str | None = None
    ) -> list[str]:
        """Texts (or captions) of messages delivered to ``chat_id``, entities stripped.

        Messages later edited or deleted are listed as first delivered.
        """
        return [message_text(m) for m in self.sent_messages(chat_id, token=token)]

    def messages(self, chat_id: int | str, *, token: str | None = None) -> list[dict[str, Any]]:
        """The chat as it is now for one bot (default token): both sides, edits applied,
        deleted messages gone, ordered by message_id."""
        bot = self.bots.get(token or self.default_token)
        if bot is None or chat_id not in bot.chats:
            return []
        log = bot.chats[chat_id]
        return [log.messages[k] for k in sorted(log.messages)]

    def callback_answers(self, *, token: str | None = None) -> dict[str, dict[str, Any] | None]:
        """answerCallbackQuery parameters by callback query id (None: not answered yet)."""
        bot = self.bots.get(token or self.default_token)
        return {} if bot is None else {k: q.get("answer") for k, q in bot.callback_queries.items()}

    def pending_updates(self, *, token: str | None = None) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (getUpdates offset or webhook 2xx)."""
        bot = self.bots.get(token or self.default_token)
        return [] if bot is None else list(bot.pending)

    def stats(self) -> dict[str, Any]:
        """Counters in one JSON-friendly dict."""
        return {
            "requests": len(self.requests),
            "methods": dict(self.method_counts),
            "statuses": {str(k): v for k, v in self.status_counts.items()},
            "rate_limited": self.rate_limited_count,
            "pending_updates": {t: len(b.pending) for t, b in self.bots.items()},
            "webhook_deliveries": len(self.webhook_deliveries),
        }

    async def _wait(self, find: Callable[[], Any], within: float, what: Callable[[], str]) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {within}s waiting for {what()}")
            event = self._activity
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_message(
        self,
        chat_id: int | str,
        predicate: MessagePredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented API takes a timeout
        *,
        contains: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The oldest message delivered to ``chat_id`` that no earlier ``wait_for_message``
        returned and that matches ``predicate`` / ``contains`` (substring of text/caption).

        Already-delivered messages count, so call it after triggering the bot. Raises
        ``TimeoutError`` (listing what was delivered) if none arrives in time.
        """

        def find() -> dict[str, Any] | None:
            for msg in self.sent_messages(chat_id, token=token):
                key = (msg["from"]["id"], msg["chat"]["id"], msg["message_id"])
                if key in self._seen_messages:
                    continue
                if contains is not None and contains not in message_text(msg):
                    continue
                if predicate is not None and not predicate(msg):
                    continue
                self._seen_messages.add(key)
                return msg
            return None

        def what() -> str:
            return f"a message in chat {chat_id}; delivered: {self.delivered_texts(chat_id)!r}"

        result: dict[str, Any] = await self._wait(find, timeout, what)
        return result

    async def wait_for_call(
        self,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        predicate: CallPredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented API takes a timeout
        ok: bool | None = True,
    ) -> RecordedCall:
        """The oldest recorded call not returned before by ``wait_for_call`` that matches
        ``method``, ``chat_id``, ``ok`` (None: any outcome) and ``predicate``."""

        def find() -> RecordedCall | None:
            for call in self.requests:
                if call.seq in self._seen_calls:
                    continue
                if method is not None and call.method != method:
                    continue
                if chat_id is not None and str(call.chat_id) != str(chat_id):
                    continue
                if ok is not None and call.ok != ok:
                    continue
                if predicate is not None and not predicate(call):
                    continue
                self._seen_calls.add(call.seq)
                return call
            return None

        result: RecordedCall = await self._wait(find, timeout, lambda: f"a {method or 'any'} call")
        return result

    async def wait_until_delivered(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented API takes a timeout
        *,
        token: str | None = None,
    ) -> None:
        """Wait until the bot has confirmed every pending update (polled past it or 2xx)."""
        bot_token = token or self.default_token

        def find() -> bool | None:
            bot = self.bots.get(bot_token)
            return True if bot is None or not bot.pending else None

        await self._wait(find, timeout, lambda: f"updates of {bot_token} to be confirmed")
