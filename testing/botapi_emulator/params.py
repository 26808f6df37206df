"""Reading Bot API request parameters the way Telegram does.

Parameters may come from the query string, an urlencoded form, a multipart form (what
aiogram's ``AiohttpSession`` sends, with complex fields JSON-encoded) or a JSON body.
``decode_params`` turns the strings into useful Python values for recording and handling.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aiohttp import web

from .models import APIError, UploadedFile

JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope",
        "allowed_updates", "reply_parameters", "link_preview_options", "media",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "message_id", "reply_to_message_id", "offset", "limit", "timeout", "cache_time",
        "message_thread_id", "max_connections", "user_id", "duration", "width", "height",
    }
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
        "allow_sending_without_reply", "disable_web_page_preview", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast",
    }
)  # fmt: skip
CHAT_FIELDS = frozenset({"chat_id", "from_chat_id"})


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collect raw parameters and uploaded files from any supported encoding."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return raw, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise APIError(400, "Bad Request: can't parse JSON body") from None
        if not isinstance(body, dict):
            raise APIError(400, "Bad Request: JSON body must be an object")
        raw.update(body)
        return raw, files
    post = await request.post()
    for key, value in post.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            raw[key] = value
    return raw, files


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _to_int(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise APIError(400, f"Bad Request: invalid {key} specified") from None


def _to_chat(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.startswith("@"):
        return text
    try:
        return int(text)
    except ValueError:
        raise APIError(400, "Bad Request: chat not found") from None


def decode_params(raw: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
    """Convert known fields: JSON fields decoded, ints/bools converted, uploads described.

    A value ``attach://name`` (aiogram's way of sending an ``InputFile``) or a file part
    named like the field is replaced by ``UploadedFile.describe()``.
    """
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_FIELDS and isinstance(value, str):
            try:
                value = json.loads(value) if value else None
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise APIError(400, f"Bad Request: can't parse {what} JSON object") from None
        elif key in CHAT_FIELDS:
            value = _to_chat(value)
        elif key in INT_FIELDS:
            value = _to_int(key, value)
        elif key in BOOL_FIELDS:
            value = _to_bool(value)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is not None:
                value = upload.describe()
        params[key] = value
    for key, upload in files.items():
        if key not in params and not _is_attached(raw, key):
            params[key] = upload.describe()
    return params


def files_by_field(raw: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, UploadedFile]:
    """Uploads keyed by the parameter they fill (``photo``...), resolving ``attach://``."""
    result = {k: f for k, f in files.items() if not _is_attached(raw, k)}
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is not None:
                result[key] = upload
    return result


def _is_attached(raw: dict[str, Any], name: str) -> bool:
    return any(v == f"attach://{name}" for v in raw.values() if isinstance(v, str))


def resolve_upload(
    raw: dict[str, Any], files: dict[str, UploadedFile], field: str
) -> UploadedFile | str | None:
    """The file given for ``field``: an ``UploadedFile``, a file_id/URL string, or None."""
    if field in files:
        return files[field]
    value = raw.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value[len("attach://") :])
        if upload is None:
            raise APIError(400, f"Bad Request: file {value} not found in the request")
        return upload
    if value in (None, ""):
        return None
    return str(value)


def json_ready(value: Any) -> Any:
    """Make a value JSON-serialisable for ``/_emu`` answers (dataclasses via to_dict)."""
    if hasattr(value, "to_dict"):
        return json_ready(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_ready(dict(value.__dict__))
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_ready(v) for v in value]
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    return value
