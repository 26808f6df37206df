"""Factories for incoming Telegram updates, written as the Bot API sends them (JSON)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiogram.types import Update

USER_ID = 1001
OFFICER_ID = 9001
GROUP_ID = -100500

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(user_id: int = USER_ID, language_code: str = "zh-hans") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"user{user_id}",
        "username": f"user{user_id}",
        "language_code": language_code,
    }


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": "企业交流群"}


def message(
    text: str | None = None,
    *,
    user_id: int = USER_ID,
    chat_id: int | None = None,
    language_code: str = "zh-hans",
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id if chat_id is not None else user_id),
        "from": user(user_id, language_code),
        **fields,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return body


def update(**payload: Any) -> Update:
    return Update.model_validate({"update_id": next(_update_ids), **payload})


def text_update(text: str, **kwargs: Any) -> Update:
    return update(message=message(text, **kwargs))


def callback_update(
    data: str, *, user_id: int = USER_ID, message_body: dict[str, Any] | None = None
) -> Update:
    origin = message_body or message("…", user_id=user_id)
    return update(
        callback_query={
            "id": str(next(_update_ids)),
            "from": user(user_id),
            "chat_instance": "ci-1",
            "message": origin,
            "data": data,
        }
    )
