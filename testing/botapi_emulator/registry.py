"""Bots, chats and files known to the emulator (mixed into ``BotAPIEmulator``)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .models import APIError, StoredFile, UploadedFile
from .state import BotState


class RegistryMixin:
    """Registers bots (getMe profiles), resolves chats and stores files."""

    bots: dict[str, BotState]
    """Bot states by token."""
    chats: dict[int | str, dict[str, Any]]
    files: dict[str, StoredFile]
    """Files by file_id (several ids may name one file)."""
    default_token: str
    strict_chats: bool
    _file_seq: itertools.count[int]

    if TYPE_CHECKING:  # provided by UserActionsMixin

        def add_user(
            self, user_id: int, first_name: str | None = None, **kw: Any
        ) -> dict[str, Any]: ...
        def add_group(
            self, chat_id: int, title: str = "Test group", *, chat_type: str = "group"
        ) -> dict[str, Any]: ...

    def add_bot(
        self,
        token: str,
        *,
        first_name: str = "PolicyDesk Test Bot",
        username: str | None = None,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
    ) -> dict[str, Any]:
        """Register/replace a bot's ``getMe`` profile; returns it. Unknown tokens get a
        default profile on first use (username ``emu<id>_bot``)."""
        bot_id = int(token.split(":", 1)[0])
        profile = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username or f"emu{bot_id}_bot",
            "can_join_groups": can_join_groups,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        if token in self.bots:
            self.bots[token].user = profile
        else:
            self.bots[token] = BotState(token, profile)
        return profile

    def bot_state(self, token: str | None = None) -> BotState:
        """The state of a bot (default token if None), created on first use."""
        token = token or self.default_token
        if token not in self.bots:
            self.add_bot(token)
        return self.bots[token]

    def resolve_chat(self, value: int | str) -> dict[str, Any]:
        """Chat dict for an id or ``@username``; unknown ids are created unless strict."""
        if isinstance(value, str):
            name = value.lstrip("@").lower()
            for chat in self.chats.values():
                if str(chat.get("username", "")).lower() == name:
                    return chat
            raise APIError(400, "Bad Request: chat not found")
        known = self.chats.get(value)
        if known is not None:
            return known
        if self.strict_chats or value == 0:
            raise APIError(400, "Bad Request: chat not found")
        if value > 0:
            self.add_user(value)
            return self.chats[value]
        return self.add_group(
            value, chat_type="supergroup" if str(value).startswith("-100") else "group"
        )

    def new_file(
        self, data: bytes, kind: str, mime_type: str | None = None, file_name: str | None = None
    ) -> StoredFile:
        """Store bytes as a new file (downloadable via getFile); returns it."""
        n = next(self._file_seq)
        ext = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        stored = StoredFile(
            f"emu-{kind}-{n:06d}",
            f"uq{n:06d}",
            f"{kind}/file_{n}.{ext}",
            data,
            mime_type,
            file_name,
        )
        self.files[stored.file_id] = stored
        return stored

    def alias_file(self, file_id: str, stored: StoredFile) -> None:
        """Make ``file_id`` another name of ``stored`` (e.g. a photo's thumbnail size)."""
        self.files[file_id] = stored

    def store_file(self, given: UploadedFile | str, kind: str) -> StoredFile:
        """A file from a send call: an upload, a known file_id, or a URL / unknown file_id
        (accepted and registered with empty content)."""
        if isinstance(given, UploadedFile):
            return self.new_file(given.data, kind, given.content_type, given.filename)
        if given in self.files:
            return self.files[given]
        name = given.rsplit("/", 1)[-1] if given.startswith(("http://", "https://")) else None
        stored = self.new_file(b"", kind, None, name)
        if name is None:
            self.alias_file(given, stored)
        return stored
