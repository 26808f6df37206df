"""The admin UI answers as its public address and takes forms only from its own pages.

With ``POLICYDESK_PUBLIC_URL`` set, every request to the admin UI is seen with that
scheme and host, so each link, redirect and form action it builds points there, whatever
Host header the request came with. Without it, the login form posts to a bare path,
which a browser sends back to the page's own origin.

A state-changing request whose ``Origin`` (or, without one, ``Referer``) names another
origin is refused with 403 before anything else, the CSRF token included, looks at it.
Current browsers send ``Origin`` with every POST, same-origin form posts included, and
our pages send a same-origin ``Referer`` (``<meta name="referrer">``), so a request from
a browser with neither header does not happen: such requests come from scripts and
command-line clients, which carry no officer's cookies unless given them. Those are let
through to the CSRF check, which they must still pass. ``Origin: null`` (sandboxed frames,
``data:`` pages, privacy-stripped redirects) counts as another origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_PORTS = {"http": 80, "https": 443}
CROSS_ORIGIN = "请求来自其他网站，已拒绝。This form was sent from another site and is refused."


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower case, without a default port; None if the
    URL has no such origin (``null``, garbage)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host.lower()}"


class PublicOriginMiddleware:
    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        self.public = origin_of(public_url) if public_url else None
        if public_url and self.public is None:
            raise ValueError(f"POLICYDESK_PUBLIC_URL {public_url!r} is not an http(s) origin")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not self._same_origin(scope):
            await PlainTextResponse(CROSS_ORIGIN, 403)(scope, receive, send)
            return
        if self.public is not None:
            scope = self._as_public(scope, self.public)
        await self.app(scope, receive, send)

    def _same_origin(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        claimed = headers.get("origin") or headers.get("referer")
        if claimed is None:
            return True  # not a browser: see the module docstring
        sender = origin_of(claimed)
        if sender is None:
            return False
        if self.public is not None:
            return sender == self.public
        # No public URL: the host the browser addressed. A page elsewhere cannot make a
        # browser send our Host header with its own Origin. The scheme is left out: behind
        # a TLS proxy we may not know it.
        own = headers.get("host", "")
        return bool(own) and sender.partition("://")[2] == _without_default_port(own.lower())

    @staticmethod
    def _as_public(scope: Scope, public: str) -> Scope:
        parts = urlsplit(public)
        headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
        headers.append((b"host", parts.netloc.encode("latin-1")))
        server = (parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        return {**scope, "scheme": parts.scheme, "server": server, "headers": headers}


def _without_default_port(host: str) -> str:
    for port in (":80", ":443"):
        if host.endswith(port):
            return host.removesuffix(port)
    return host
