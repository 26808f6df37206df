"""Structured logs: one JSON object per line, carrying the request id or Telegram update id.

The ids live in context variables, so every log line written while a request or an update
is handled carries them without being passed around: the API's request-id middleware sets
``request_id``, the bot's middleware sets ``update_id`` (``with bound(update_id=...)``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
update_id: ContextVar[int | None] = ContextVar("update_id", default=None)

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


@contextmanager
def bound(*, request: str | None = None, update: int | None = None) -> Iterator[None]:
    """Attach a request id and/or update id to every log line written inside the block."""
    request_token = request_id.set(request) if request is not None else None
    update_token = update_id.set(update) if update is not None else None
    try:
        yield
    finally:
        if update_token is not None:
            update_id.reset(update_token)
        if request_token is not None:
            request_id.reset(request_token)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id"?, "update_id"?, ...extra, "exc"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid, uid = request_id.get(), update_id.get()
        if rid is not None:
            out["request_id"] = rid
        if uid is not None:
            out["update_id"] = uid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for development, with the ids when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [f"{name}={var.get()}" for name, var in _VARS if var.get() is not None]
        return f"{line} [{' '.join(ids)}]" if ids else line


_VARS: tuple[tuple[str, ContextVar[Any]], ...] = (("rid", request_id), ("uid", update_id))


def configure_logging(fmt: str = "json", level: str = "info") -> None:
    """Send every logger (ours, uvicorn's, aiogram's) to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "aiogram"):
        # uvicorn installs its own handlers unless told not to; ours go through the root.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # The API's middleware writes one access line per request, with its request id.
    logging.getLogger("uvicorn.access").disabled = True
