"""Shared plumbing for Bot API method handlers: the call context and message helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import APIError, RecordedCall, UploadedFile
from .state import BotState, now

if TYPE_CHECKING:
    from .server import BotAPIEmulator

_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_OTHER_MARKUPS = ("keyboard", "remove_keyboard", "force_reply")


@dataclass
class Ctx:
    """Everything a method handler needs for one call."""

    emu: BotAPIEmulator
    bot: BotState
    params: dict[str, Any]
    """Decoded parameters (see ``params.decode_params``)."""
    raw: dict[str, Any]
    """Parameters as received (strings for form posts)."""
    files: dict[str, UploadedFile]
    record: RecordedCall

    def chat(self, key: str = "chat_id") -> dict[str, Any]:
        """Resolve a chat parameter to a Chat dict (400 if empty or unknown)."""
        value = self.params.get(key)
        if value in (None, ""):
            raise APIError(400, f"Bad Request: {key} is empty")
        chat = self.emu.resolve_chat(value)
        if key == "chat_id":
            self.record.chat_id = chat["id"]
        return chat

    def gate(self, chat: dict[str, Any]) -> None:
        """Refuse sends to blocked/deactivated chats (403) and over the limits (429)."""
        self.emu.check_send(self.bot, chat, self.record.method)

    def find_message(self, chat: dict[str, Any], message_id: Any, missing: str) -> dict[str, Any]:
        """A stored message of ``chat`` or 400 ``Bad Request: {missing}``."""
        if message_id in (None, ""):
            raise APIError(400, "Bad Request: message_id is empty")
        msg = self.bot.chat(chat["id"]).messages.get(int(message_id))
        if msg is None:
            raise APIError(400, f"Bad Request: {missing}")
        return msg

    def reply_target(self, chat: dict[str, Any]) -> dict[str, Any] | None:
        """The message being replied to (``reply_parameters`` or ``reply_to_message_id``)."""
        rp = self.params.get("reply_parameters")
        mid = (
            rp.get("message_id") if isinstance(rp, dict) else self.params.get("reply_to_message_id")
        )
        if mid is None:
            return None
        lenient = bool(
            (isinstance(rp, dict) and rp.get("allow_sending_without_reply"))
            or self.params.get("allow_sending_without_reply")
        )
        msg = self.bot.chat(chat["id"]).messages.get(int(mid))
        if msg is None and not lenient:
            raise APIError(400, "Bad Request: message to be replied not found")
        return msg

    def new_message(
        self,
        chat: dict[str, Any],
        content: dict[str, Any],
        markup: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store and return a new bot message in ``chat``."""
        log = self.bot.chat(chat["id"])
        msg: dict[str, Any] = {
            "message_id": log.allocate_id(),
            "from": self.bot.user,
            "chat": chat,
            "date": now(),
        }
        if reply is not None:
            msg["reply_to_message"] = {k: v for k, v in reply.items() if k != "reply_to_message"}
        msg.update(content)
        if markup is not None:
            msg["reply_markup"] = markup
        log.messages[msg["message_id"]] = msg
        self.record.message = msg
        return msg


Handler = Callable[[Ctx], Awaitable[Any]]


def _bad_button(reason: str) -> APIError:
    return APIError(400, f"Bad Request: can't parse inline keyboard button: {reason}")


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return it if it is an inline keyboard to echo, else None.

    Reply keyboards (``keyboard``/``remove_keyboard``/``force_reply``) are accepted but,
    as in Telegram, never appear in the returned Message.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise APIError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not any(k in markup for k in _OTHER_MARKUPS):
            raise APIError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise APIError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad_button('Field "text" must be of type String')
            if not any(button.get(k) not in (None, "") for k in _BUTTON_ACTIONS):
                raise _bad_button("Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise APIError(400, "Bad Request: BUTTON_DATA_INVALID")
    if not any(rows):
        return None
    return markup


def find_button(
    message: dict[str, Any], data: str | None, text: str | None
) -> dict[str, Any] | None:
    """The inline button of ``message`` whose callback_data (or text) matches."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if data is not None:
                hit = button.get("callback_data") == data
            else:
                hit = text is not None and button.get("text") == text
            if hit:
                return dict(button)
    return None
