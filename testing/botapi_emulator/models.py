"""Plain data types shared by the emulator modules.

Everything here is a small dataclass or constant; none of it does I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOKEN = "123456789:AAEmulatorDefaultTokenForPolicydeskTests"
"""Token used when a caller does not name one (``getMe`` reports id 123456789)."""

DEFAULT_GROUP_ID = -4000000001
"""Chat id used by user-side helpers for ``chat_type="group"`` when no chat_id is given."""

DEFAULT_SUPERGROUP_ID = -1004000000001
"""Chat id used for ``chat_type="supergroup"`` when no chat_id is given."""

NEW_MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)
"""Methods that create a new message in the target chat (see ``wait_for_message``)."""

RATE_LIMITED_METHODS = NEW_MESSAGE_METHODS
"""Methods counted by the rate limiter (successful calls only)."""

SEND_METHODS = NEW_MESSAGE_METHODS | {"sendChatAction"}
"""Methods refused with 403 for blocked or deactivated chats."""


class APIError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, ...}``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """The response body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int) -> APIError:
    """The 429 answer with ``parameters.retry_after`` (aiogram -> TelegramRetryAfter)."""
    return APIError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


@dataclass
class RateLimits:
    """Flood limits; every field ``None`` (the default) means "no limit".

    Windows are sliding and count only successful calls of ``RATE_LIMITED_METHODS``.
    A call over a limit gets 429 with ``retry_after`` = whole seconds (>= 1) until the
    window frees a slot, and the limited key (bot, chat or group) then stays locked for
    that long, so a client that ignores ``retry_after`` keeps getting 429s.
    """

    global_per_second: int | None = None
    """Messages per bot per second (Telegram: about 30)."""
    per_chat_per_second: int | None = None
    """Messages per chat per second (Telegram: about 1)."""
    per_group_per_minute: int | None = None
    """Messages per group/supergroup chat per minute (Telegram: about 20)."""
    retry_after: int | None = None
    """If set, every limiter 429 reports (and locks for) exactly this many seconds."""

    @classmethod
    def telegram(cls) -> RateLimits:
        """Limits resembling production Telegram: 30/s per bot, 1/s per chat, 20/min per group."""
        return cls(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)

    @property
    def enabled(self) -> bool:
        """True when at least one limit is set."""
        return any(
            v is not None
            for v in (self.global_per_second, self.per_chat_per_second, self.per_group_per_minute)
        )


_DEFAULT_FAULT_TEXT = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: injected fault",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    """A one-shot (``times`` shots) fault; see ``BotAPIEmulator.inject``.

    ``status=None`` means "drop the connection without an answer" (aiogram raises
    ``TelegramNetworkError``). ``delay`` seconds are slept before answering. With
    ``delivered`` the call is carried out first (the message reaches the chat) and only
    the answer is lost or replaced: Telegram accepted a request whose client never heard.
    """

    method: str | None = None
    status: int | None = 500
    times: int = 1
    chat_id: int | str | None = None
    token: str | None = None
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    delivered: bool = False
    hits: int = 0

    def matches(self, token: str, method: str, chat_id: Any) -> bool:
        """Whether this fault applies to a call (method names compare case-insensitively)."""
        if self.times <= 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.token is not None and self.token != token:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def error(self) -> APIError:
        """The error this fault answers with (only when ``status`` is not None)."""
        status = self.status or 500
        if status == 429:
            retry = self.retry_after or 1
            err = too_many_requests(retry)
            if self.description:
                err.description = self.description
            return err
        text = self.description or _DEFAULT_FAULT_TEXT.get(status, f"Injected error {status}")
        params = {"retry_after": self.retry_after} if self.retry_after else None
        return APIError(status, text, params)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view."""
        return dict(self.__dict__)


@dataclass
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    content_type: str | None
    data: bytes

    def describe(self) -> dict[str, Any]:
        """What is recorded in ``RecordedCall.params`` in place of the bytes."""
        return {"upload": self.filename, "size": len(self.data), "content_type": self.content_type}


@dataclass
class StoredFile:
    """A file known to the emulator (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class RecordedCall:
    """One Bot API request as the emulator saw and answered it."""

    seq: int
    token: str
    method: str
    """Canonical method name (``sendMessage``), or the name as requested if unknown."""
    params: dict[str, Any]
    """Parameters with JSON fields decoded, ints/bools converted, uploads described."""
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    description: str | None = None
    error_parameters: dict[str, Any] | None = None
    chat_id: int | str | None = None
    message: dict[str, Any] | None = None
    """The message created/edited by this call (also for copyMessage), else None."""
    injected: bool = False
    """True when the answer came from an injected fault."""
    via: str = "http"
    """``http`` or ``webhook-reply``."""
    time: float = field(default_factory=time.time)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """True for a successful (2xx) answer."""
        return 200 <= self.status < 300

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (files are described, not included)."""
        data = {k: v for k, v in self.__dict__.items() if k != "files"}
        data["files"] = {k: f.describe() for k, f in self.files.items()}
        data["ok"] = self.ok
        return data
