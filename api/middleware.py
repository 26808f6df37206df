"""Request id, latency metric and one structured access-log line per HTTP request.

A plain ASGI middleware (no ``BaseHTTPMiddleware``): it adds no task or stream copy per
request, which matters on the ask path measured in ``bench/load_ask.py``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics
from core.logs import request_id

HEADER = b"x-request-id"
# A caller's id is honoured when it is short and printable; anything else is replaced.
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:/+=-]{1,128}$")
access_log = logging.getLogger("policydesk.access")


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER and _VALID_ID.match(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    # Unmatched paths share one label: raw paths would give every scanner a new series.
    return str(path) if path else "<unmatched>"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != HEADER]
                headers.append((HEADER, rid.encode("ascii")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            if route != "/metrics":
                metrics.REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(elapsed)
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={"status": status, "route": route, "duration_ms": round(elapsed * 1e3, 2)},
            )
            request_id.reset(token)
