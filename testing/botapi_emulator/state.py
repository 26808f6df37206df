"""Per-bot state: identity, update queue (long polling / webhook), chats and messages."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
        "inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query",
        "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost", "business_connection", "business_message",
        "edited_business_message", "deleted_business_messages", "purchased_paid_media",
    }
)  # fmt: skip
"""Update types Telegram sends when ``allowed_updates`` was never set (or set to [])."""


def update_type(update: dict[str, Any]) -> str:
    """The event key of an update dict (``message``, ``callback_query``...)."""
    return next((k for k in update if k != "update_id"), "")


@dataclass
class ChatLog:
    """Messages of one chat as one bot sees them; message ids are shared by both sides."""

    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def allocate_id(self) -> int:
        """The next message id in this chat (strictly increasing)."""
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass
class WebhookConfig:
    """What ``setWebhook`` stored, plus delivery status for ``getWebhookInfo``."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotState:
    """Everything the emulator keeps for one bot token."""

    def __init__(self, token: str, profile: dict[str, Any]) -> None:
        self.token = token
        self.user: dict[str, Any] = profile
        """The ``getMe`` answer."""
        self.pending: list[dict[str, Any]] = []
        """Unconfirmed updates, in update_id order."""
        self.dropped: list[dict[str, Any]] = []
        """Updates not created because ``allowed_updates`` excluded their type."""
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.webhook: WebhookConfig | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.poll_generation = 0
        self.chats: dict[int | str, ChatLog] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        """setMyCommands storage, keyed by ``scope-json|language_code``."""
        self.callback_queries: dict[str, dict[str, Any]] = {}
        """Callback queries sent to the bot, by id (``answer`` filled when answered)."""
        self._event = asyncio.Event()

    @property
    def id(self) -> int:
        """The bot's user id (the token's numeric prefix)."""
        return int(self.user["id"])

    def chat(self, chat_id: int | str) -> ChatLog:
        """The chat log for ``chat_id`` (created on first use)."""
        log = self.chats.get(chat_id)
        if log is None:
            log = self.chats[chat_id] = ChatLog()
        return log

    def chat_instance(self, chat_id: int | str) -> str:
        """A stable pseudo-random ``chat_instance`` for callback queries from this chat."""
        digest = hashlib.sha1(f"{self.id}:{chat_id}".encode()).hexdigest()
        return str(int(digest[:15], 16))

    # --- update queue -------------------------------------------------------------------
    def wake(self) -> None:
        """Wake every long-poll / webhook waiter of this bot."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Sleep until ``wake`` is called or ``seconds`` pass."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0))

    def enqueue(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Assign the next update_id and queue; None if ``allowed_updates`` excludes it."""
        if update_type(payload) not in self.allowed_updates:
            self.dropped.append(payload)
            return None
        update = {"update_id": self.next_update_id, **payload}
        self.next_update_id += 1
        self.pending.append(update)
        self.wake()
        return update

    def confirm(self, offset: int | None) -> None:
        """Apply getUpdates ``offset`` semantics (negative: keep only the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def batch(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates (oldest first)."""
        return self.pending[:limit]

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Store ``allowed_updates`` (None: keep; empty list: Telegram's default set)."""
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED

    def webhook_info(self) -> dict[str, Any]:
        """The ``getWebhookInfo`` answer."""
        hook = self.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info


def now() -> int:
    """Unix time as Telegram's ``date`` fields use it."""
    return int(time.time())
