"""User-side media messages: photos, documents, voice notes and stickers.

Each helper stores minimal but valid file bytes (downloadable through ``getFile``) and sends
the message through ``user_message``, so it accepts the same keyword arguments as
``send_text`` (``chat_id``, ``chat_type``, ``reply_to``, ``forward_from``, ``token``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import StoredFile
from .users import UserActionsMixin, auto_entities


class MediaActionsMixin(UserActionsMixin):
    """Users sending media to the bot (mixed into ``BotAPIEmulator``)."""

    if TYPE_CHECKING:  # provided by RegistryMixin

        def alias_file(self, file_id: str, stored: StoredFile) -> None: ...
        def new_file(
            self, data: bytes, kind: str, mime_type: str | None = None, file_name: str | None = None
        ) -> StoredFile: ...

    def _media(
        self, user_id: int, key: str, media: Any, caption: str | None, kw: dict[str, Any]
    ) -> dict[str, Any] | None:
        content: dict[str, Any] = {key: media}
        if caption:
            content["caption"] = caption
            ents = auto_entities(caption)
            if ents:
                content["caption_entities"] = ents
        return self.user_message(user_id, content, **kw)

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        data: bytes = b"\xff\xd8\xff\xe0emu-jpeg",
        width: int = 1280,
        height: int = 960,
        **kw: Any,
    ) -> dict[str, Any] | None:
        """A user sends a photo (two PhotoSize entries); bytes downloadable via getFile."""
        f = self.new_file(data, "photos", "image/jpeg")
        self.alias_file(f.file_id + "-s", f)
        sizes = [
            {
                "file_id": f.file_id + "-s",
                "file_unique_id": f.file_unique_id + "s",
                "width": 90,
                "height": 67,
            },
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(data),
            },
        ]
        return self._media(user_id, "photo", sizes, caption, kw)

    def send_document(
        self,
        user_id: int,
        *,
        file_name: str = "document.pdf",
        data: bytes = b"%PDF-1.4 emu\n",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        **kw: Any,
    ) -> dict[str, Any] | None:
        """A user sends a document; bytes downloadable via getFile."""
        f = self.new_file(data, "documents", mime_type, file_name)
        doc = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._media(user_id, "document", doc, caption, kw)

    def send_voice(
        self, user_id: int, *, duration: int = 3, data: bytes = b"OggS emu-voice", **kw: Any
    ) -> dict[str, Any] | None:
        """A user sends a voice note (audio/ogg)."""
        f = self.new_file(data, "voice", "audio/ogg")
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._media(user_id, "voice", voice, None, kw)

    def send_sticker(self, user_id: int, *, emoji: str = "👍", **kw: Any) -> dict[str, Any] | None:
        """A user sends a regular static sticker."""
        f = self.new_file(b"RIFF emu-webp", "stickers", "image/webp")
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._media(user_id, "sticker", sticker, None, kw)
