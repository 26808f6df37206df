"""Refuse control characters at the edge, before any route or database sees them.

A NUL byte in a question, a company name or a search filter is never meant: PostgreSQL
refuses it in text (a 500 before this guard), SQLite stores it and every export carries
it on. Other C0 control characters (and DEL) are refused too; tab, line feed and
carriage return are text. The guard reads the path, the query string and bodies sent as
JSON or as an HTML form; file uploads (multipart) carry binary content and are checked
by the parsers that read them.

One place for every route, public and admin, so that a new route is covered without
anybody remembering to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.replay import replaying, replaying_body
from core.fields import has_control

_JSON = b"application/json"
_FORM = b"application/x-www-form-urlencoded"

MESSAGE = "输入含有不可见的控制字符，请删除后重试 (the input contains control characters)"


def _strings(value: object) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _body_has_control(content_type: bytes, body: bytes) -> bool:
    if content_type.startswith(_JSON):
        try:
            document = json.loads(body)
        except ValueError:
            return False  # not JSON at all: the route's own validation says so
        return any(has_control(text) for text in _strings(document))
    if content_type.startswith(_FORM):
        text = body.decode("utf-8", "replace")
        return any(
            has_control(key) or has_control(value)
            for key, value in parse_qsl(text, keep_blank_values=True)
        )
    return False


async def _refuse(scope: Scope, send: Send, where: str) -> None:
    is_api = str(scope.get("path", "")).startswith("/api/")
    if is_api:
        body = json.dumps(
            {"detail": MESSAGE, "code": "invalid_input", "field": where}, ensure_ascii=False
        ).encode()
        content_type = b"application/json"
    else:
        body = MESSAGE.encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class InputGuardMiddleware:
    """422 for control characters in the path, the query or a JSON / form body."""

    def __init__(self, app: ASGIApp, exempt: tuple[str, ...] = ()) -> None:
        # ``exempt``: path prefixes whose bodies are not typed at this edge, e.g. Telegram's
        # webhook, which must never be refused (Telegram would retry the update forever).
        self.app, self.exempt = app, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        if has_control(str(scope.get("path", ""))):
            await _refuse(scope, send, "path")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if any(
            has_control(key) or has_control(value)
            for key, value in parse_qsl(query, keep_blank_values=True)
        ):
            await _refuse(scope, send, "query")
            return
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"").lower()
        if not content_type.startswith((_JSON, _FORM)):
            await self.app(scope, receive, send)
            return
        # JSON and form bodies are small (the body-size limit sits outside): read them
        # whole, check them, and hand the same bytes on.
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, replaying(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _body_has_control(content_type, body):
            await _refuse(scope, send, "body")
            return
        await self.app(scope, replaying_body(body, receive), send)
