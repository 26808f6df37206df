"""``/_emu/<action>``: the emulator's Python API over HTTP, for tests in other processes.

Each action is the emulator method of the same name; keyword arguments come from the JSON
body (POST) or the query string (GET; digit strings become ints, ``true``/``false`` bools).
Answers are ``{"ok": true, "result": ...}``; bad arguments give 400
``{"ok": false, "error": "..."}`` and an expired ``wait_*`` gives 408.
Bytes arguments (``data`` of send_photo/send_document/send_voice) are sent as strings.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .params import json_ready

if TYPE_CHECKING:
    from .server import BotAPIEmulator

METHOD_ACTIONS = frozenset(
    {
        # users and chats
        "add_user", "add_group", "add_bot",
        # user side
        "send_text", "send_photo", "send_document", "send_voice", "send_sticker",
        "user_message", "edit_text", "tap", "feed_update",
        "block", "unblock", "deactivate",
        # faults and limits
        "inject", "clear_faults", "set_rate_limits", "set_latency", "reset",
        # reading
        "sent", "sent_messages", "delivered_texts", "messages", "callback_answers",
        "pending_updates", "stats",
        "wait_for_message", "wait_for_call", "wait_until_delivered",
    }
)  # fmt: skip
"""Actions that call the emulator method of the same name."""

EXTRA_ACTIONS = frozenset({"health", "requests", "faults", "webhook_deliveries", "rate_limits"})
"""Actions with no method of that name: health, requests (``since``: seq), attribute views."""

_INT_RE = re.compile(r"^-?[0-9]+$")
_FLOAT_RE = re.compile(r"^-?[0-9]+\.[0-9]+$")


def _coerce(value: str) -> Any:
    if _INT_RE.match(value):
        return int(value)
    if _FLOAT_RE.match(value):
        return float(value)
    return {"true": True, "false": False, "null": None}.get(value, value)


def _extra(emu: BotAPIEmulator, action: str, kwargs: dict[str, Any]) -> Any:
    if action == "health":
        return {
            "base_url": emu.base_url,
            "bots": list(emu.bots),
            "default_token": emu.default_token,
        }
    if action == "requests":
        since = int(kwargs.get("since", 0))
        return [c for c in emu.requests if c.seq > since]
    if action == "faults":
        return emu.faults
    if action == "webhook_deliveries":
        return emu.webhook_deliveries
    return dict(emu.rate_limits.__dict__)


def attach_control(app: web.Application, emu: BotAPIEmulator) -> None:
    """Add the ``/_emu/{action}`` route to ``app``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]
        kwargs: dict[str, Any] = {k: _coerce(v) for k, v in request.query.items()}
        if request.method == "POST" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "body must be JSON"}, status=400)
            if not isinstance(body, dict):
                return web.json_response(
                    {"ok": False, "error": "body must be an object"}, status=400
                )
            kwargs.update(body)
        if isinstance(kwargs.get("data"), str):
            kwargs["data"] = kwargs["data"].encode()
        try:
            if action in EXTRA_ACTIONS:
                result = _extra(emu, action, kwargs)
            elif action in METHOD_ACTIONS:
                result = getattr(emu, action)(**kwargs)
                if inspect.isawaitable(result):
                    result = await result
            else:
                return web.json_response(
                    {"ok": False, "error": f"unknown action {action!r}"}, status=404
                )
        except TimeoutError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=408)
        except (TypeError, ValueError, KeyError) as exc:
            return web.json_response(
                {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, status=400
            )
        return web.json_response({"ok": True, "result": json_ready(result)})

    app.router.add_route("*", "/_emu/{action}", handle)
