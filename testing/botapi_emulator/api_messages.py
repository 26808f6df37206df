"""Bot API methods that create, edit or delete messages."""

from __future__ import annotations

from typing import Any

from .api_common import Ctx, Handler, inline_markup
from .models import APIError, StoredFile
from .params import resolve_upload
from .state import now
from .tg_html import render_text

_CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "caption",
    "caption_entities",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def _caption(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    if p.get("caption") in (None, ""):
        return {}
    text, ents = render_text(
        p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
    )
    out: dict[str, Any] = {"caption": text} if text else {}
    if ents:
        out["caption_entities"] = ents
    return out


def _file(ctx: Ctx, field: str, kind: str) -> StoredFile:
    given = resolve_upload(ctx.raw, ctx.files, field)
    if given is None:
        raise APIError(400, f"Bad Request: there is no {field} in the request")
    return ctx.emu.store_file(given, kind)


async def send_message(ctx: Ctx) -> dict[str, Any]:
    """sendMessage: text validated (HTML, length), inline keyboard echoed."""
    chat = ctx.chat()
    p = ctx.params
    text, ents = render_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
    markup = inline_markup(p.get("reply_markup"))
    reply = ctx.reply_target(chat)
    ctx.gate(chat)
    content: dict[str, Any] = {"text": text}
    if ents:
        content["entities"] = ents
    return ctx.new_message(chat, content, markup, reply)


async def send_photo(ctx: Ctx) -> dict[str, Any]:
    """sendPhoto: upload, file_id or URL; caption <= 1024 (UTF-16 units)."""
    chat = ctx.chat()
    stored = _file(ctx, "photo", "photos")
    caption = _caption(ctx)
    markup = inline_markup(ctx.params.get("reply_markup"))
    reply = ctx.reply_target(chat)
    ctx.gate(chat)
    size = len(stored.data)
    photo = [
        {
            "file_id": stored.file_id + "-s",
            "file_unique_id": stored.file_unique_id + "s",
            "width": 90,
            "height": 67,
            "file_size": min(size, 1000),
        },
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
    ctx.emu.alias_file(stored.file_id + "-s", stored)
    return ctx.new_message(chat, {"photo": photo, **caption}, markup, reply)


async def send_document(ctx: Ctx) -> dict[str, Any]:
    """sendDocument: upload, file_id or URL; caption <= 1024."""
    chat = ctx.chat()
    stored = _file(ctx, "document", "documents")
    caption = _caption(ctx)
    markup = inline_markup(ctx.params.get("reply_markup"))
    reply = ctx.reply_target(chat)
    ctx.gate(chat)
    doc: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    return ctx.new_message(chat, {"document": doc, **caption}, markup, reply)


def _source(ctx: Ctx) -> dict[str, Any]:
    src_chat = ctx.chat("from_chat_id")
    return ctx.find_message(src_chat, ctx.params.get("message_id"), "message to copy not found")


async def copy_message(ctx: Ctx) -> dict[str, Any]:
    """copyMessage: same content (optionally new caption) without a link; returns MessageId."""
    chat = ctx.chat()
    source = _source(ctx)
    content = {k: source[k] for k in _CONTENT_KEYS if k in source}
    if "caption" in ctx.params:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(ctx))
    markup = inline_markup(ctx.params.get("reply_markup"))
    reply = ctx.reply_target(chat)
    ctx.gate(chat)
    msg = ctx.new_message(chat, content, markup, reply)
    return {"message_id": msg["message_id"]}


async def forward_message(ctx: Ctx) -> dict[str, Any]:
    """forwardMessage: same content plus ``forward_origin``; returns the Message."""
    chat = ctx.chat()
    source = _source(ctx)
    ctx.gate(chat)
    sender = source.get("from") or ctx.bot.user
    origin = {"type": "user", "sender_user": sender, "date": source["date"]}
    content = {k: source[k] for k in _CONTENT_KEYS if k in source}
    return ctx.new_message(chat, {"forward_origin": origin, **content})


def _editable(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(chat, message) to edit, or None for inline messages (answered with True)."""
    if ctx.params.get("inline_message_id"):
        return None
    chat = ctx.chat()
    msg = ctx.find_message(chat, ctx.params.get("message_id"), "message to edit not found")
    if (msg.get("from") or {}).get("id") != ctx.bot.id:
        raise APIError(400, "Bad Request: message can't be edited")
    return chat, msg


def _store_edit(
    ctx: Ctx, chat: dict[str, Any], old: dict[str, Any], new: dict[str, Any]
) -> dict[str, Any]:
    if {k: v for k, v in new.items() if k != "edit_date"} == {
        k: v for k, v in old.items() if k != "edit_date"
    }:
        raise APIError(400, _NOT_MODIFIED)
    new["edit_date"] = now()
    ctx.bot.chat(chat["id"]).messages[old["message_id"]] = new
    ctx.record.message = new
    return new


async def edit_message_text(ctx: Ctx) -> dict[str, Any] | bool:
    """editMessageText: text validated like sendMessage; omitted reply_markup removes it."""
    p = ctx.params
    text, ents = render_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
    markup = inline_markup(p.get("reply_markup"))
    target = _editable(ctx)
    if target is None:
        return True
    chat, old = target
    if "text" not in old:
        raise APIError(400, "Bad Request: there is no text in the message to edit")
    new = {k: v for k, v in old.items() if k not in ("entities", "reply_markup")}
    new["text"] = text
    if ents:
        new["entities"] = ents
    if markup is not None:
        new["reply_markup"] = markup
    return _store_edit(ctx, chat, old, new)


async def edit_message_reply_markup(ctx: Ctx) -> dict[str, Any] | bool:
    """editMessageReplyMarkup: replace (or with no markup, remove) the inline keyboard."""
    markup = inline_markup(ctx.params.get("reply_markup"))
    target = _editable(ctx)
    if target is None:
        return True
    chat, old = target
    new = {k: v for k, v in old.items() if k != "reply_markup"}
    if markup is not None:
        new["reply_markup"] = markup
    return _store_edit(ctx, chat, old, new)


async def delete_message(ctx: Ctx) -> bool:
    """deleteMessage: any stored message of the chat (the bot's or the user's)."""
    chat = ctx.chat()
    msg = ctx.find_message(chat, ctx.params.get("message_id"), "message to delete not found")
    del ctx.bot.chat(chat["id"]).messages[msg["message_id"]]
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}
