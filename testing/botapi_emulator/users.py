"""User-side API: users and chats, messages a user sends, button taps.

Every action builds a valid Telegram payload, stores the user's message in the chat (so
message ids are shared with the bot's messages, as in Telegram) and queues an update for
the bot (default token unless ``token=`` is given). Actions return the queued Update dict,
or None when Telegram would not deliver it (group privacy mode, ``allowed_updates``).
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

from .api_common import find_button
from .models import DEFAULT_GROUP_ID, DEFAULT_SUPERGROUP_ID
from .state import BotState, now
from .tg_html import utf16_len

_COMMAND_RE = re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{3,32}")


def auto_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` and ``mention`` entities as Telegram clients create them."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("mention", m) for m in _MENTION_RE.finditer(text)]
    ents = [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
        for kind, m in found
    ]
    return sorted(ents, key=lambda e: e["offset"])


class UserActionsMixin:
    """Simulates Telegram users talking to the bot."""

    users: dict[int, dict[str, Any]]
    """Known users (``User`` dicts) by id."""
    chats: dict[int | str, dict[str, Any]]
    """Known chats (``Chat`` dicts) by id; private chat id == user id."""
    blocked: dict[int | str, str]
    """Chats whose sends fail with 403, and the description used."""
    default_token: str
    _callback_ids: itertools.count[int]

    if TYPE_CHECKING:  # provided by RegistryMixin

        def bot_state(self, token: str | None = None) -> BotState: ...

    # --- users and chats ----------------------------------------------------------------
    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        is_premium: bool | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user and their private chat; returns the User dict."""
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or f"User{user_id}",
        }
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
            ("is_premium", is_premium),
        ):
            if value is not None:
                user[key] = value
        self.users[user_id] = user
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        chat.update({k: user[k] for k in ("last_name", "username") if k in user})
        self.chats[user_id] = chat
        return user

    def add_group(
        self, chat_id: int, title: str = "Test group", *, chat_type: str = "group"
    ) -> dict[str, Any]:
        """Register a ``group`` or ``supergroup`` chat; returns the Chat dict."""
        chat = {"id": chat_id, "type": chat_type, "title": title}
        self.chats[chat_id] = chat
        return chat

    def _user(self, user_id: int) -> dict[str, Any]:
        return self.users.get(user_id) or self.add_user(user_id)

    def _chat(self, user_id: int, chat_id: int | None, chat_type: str) -> dict[str, Any]:
        self._user(user_id)
        if chat_id is None:
            if chat_type == "private":
                return self.chats[user_id]
            chat_id = DEFAULT_SUPERGROUP_ID if chat_type == "supergroup" else DEFAULT_GROUP_ID
        return self.chats.get(chat_id) or self.add_group(chat_id, chat_type=chat_type)

    # --- messages -----------------------------------------------------------------------
    def _visible_in_group(self, bot: BotState, msg: dict[str, Any]) -> bool:
        """Privacy mode: commands, mentions of the bot and replies to the bot only."""
        if msg["chat"]["type"] == "private" or bot.user.get("can_read_all_group_messages"):
            return True
        text = str(msg.get("text") or msg.get("caption") or "")
        name = bot.user.get("username", "")
        replied = (msg.get("reply_to_message") or {}).get("from", {}).get("id") == bot.id
        commands = [m.group(0) for m in _COMMAND_RE.finditer(text)]
        addressed = any(
            "@" not in c or c.split("@", 1)[1].lower() == name.lower() for c in commands
        )
        return replied or addressed or f"@{name}".lower() in text.lower()

    def user_message(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        forward_from: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any] | None:
        """Low-level: a user message with arbitrary ``content`` keys (``text``, ``photo``...).

        ``reply_to`` is a message id in the same chat (ValueError if unknown);
        ``forward_from`` a user id, producing ``forward_origin``.
        """
        bot = self.bot_state(token)
        chat = self._chat(user_id, chat_id, chat_type)
        log = bot.chat(chat["id"])
        msg: dict[str, Any] = {
            "message_id": log.allocate_id(),
            "from": self._user(user_id),
            "chat": chat,
            "date": now(),
        }
        if reply_to is not None:
            target = log.messages.get(reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat['id']} to reply to")
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if forward_from is not None:
            origin = {"type": "user", "sender_user": self._user(forward_from), "date": now() - 60}
            msg["forward_origin"] = origin
        msg.update(content)
        log.messages[msg["message_id"]] = msg
        if not self._visible_in_group(bot, msg):
            return None
        return bot.enqueue({"message": msg})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        forward_from: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        token: str | None = None,
    ) -> dict[str, Any] | None:
        """A user sends ``text``; /commands and @mentions get entities automatically."""
        content: dict[str, Any] = {"text": text}
        ents = auto_entities(text) if entities is None else entities
        if ents:
            content["entities"] = ents
        return self.user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            reply_to=reply_to,
            forward_from=forward_from,
            token=token,
        )

    def edit_text(
        self,
        user_id: int,
        message_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any] | None:
        """The user edits their own text message: an ``edited_message`` update."""
        bot = self.bot_state(token)
        chat = self.chats.get(chat_id if chat_id is not None else user_id) or self._chat(
            user_id, None, "private"
        )
        log = bot.chat(chat["id"])
        old = log.messages.get(message_id)
        if old is None or old.get("from", {}).get("id") != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} in chat {chat['id']}")
        new = {k: v for k, v in old.items() if k != "entities"}
        new.update(text=text, edit_date=now())
        if ents := auto_entities(text):
            new["entities"] = ents
        log.messages[message_id] = new
        return bot.enqueue({"edited_message": new})

    def tap(
        self,
        user_id: int,
        message_id: int,
        data: str | None = None,
        *,
        button_text: str | None = None,
        chat_id: int | None = None,
        token: str | None = None,
        strict: bool = True,
    ) -> dict[str, Any] | None:
        """The user taps an inline button of the bot's message ``message_id``.

        Pass ``data`` (callback_data) or ``button_text``. With ``strict`` the button must be
        in the message's current keyboard (ValueError otherwise). The ``callback_query``
        carries ``id``, ``from``, ``message``, ``chat_instance`` and ``data``.
        """
        bot = self.bot_state(token)
        chat = self._chat(user_id, chat_id, "private" if chat_id is None else "group")
        msg = bot.chat(chat["id"]).messages.get(message_id)
        if msg is None:
            raise ValueError(f"no message {message_id} in chat {chat['id']}")
        button = find_button(msg, data, button_text)
        if button is None and (strict or data is None):
            raise ValueError(
                f"message {message_id} has no button data={data!r} text={button_text!r}"
            )
        query_id = str(next(self._callback_ids))
        query: dict[str, Any] = {
            "id": query_id,
            "from": self._user(user_id),
            "message": msg,
            "chat_instance": bot.chat_instance(chat["id"]),
        }
        query["data"] = data if data is not None else (button or {}).get("callback_data")
        bot.callback_queries[query_id] = {"chat_id": chat["id"], "answer": None}
        return bot.enqueue({"callback_query": query})

    def feed_update(
        self, payload: dict[str, Any], *, token: str | None = None
    ) -> dict[str, Any] | None:
        """Queue any raw update payload (``update_id`` is assigned by the emulator)."""
        return self.bot_state(token).enqueue({k: v for k, v in payload.items() if k != "update_id"})
