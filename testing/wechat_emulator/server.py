"""The emulated WeChat API server: tokens, customer-service and template messages, menus."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN_TTL = 7200
# After a new grant WeChat keeps the previous token working for five minutes.
OLD_TOKEN_GRACE = 300.0
TEXT_LIMIT_BYTES = 2048

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    43004: "require subscribe",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
}
# A \uXXXX escape in the JSON (an even number of backslashes before it is text, not one).
_ESCAPE = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u[0-9a-fA-F]{4}")

Handler = Callable[[web.Request], Awaitable[dict[str, Any]]]


class _WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode, self.errmsg = errcode, errmsg


class _Drop(Exception):
    """Close the connection without answering (the call was carried out)."""


@dataclass
class SentMessage:
    """One message the emulator accepted: what the follower would see."""

    openid: str
    kind: str  # "text" (customer-service message) or "template"
    text: str = ""
    template_id: str = ""
    data: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    msgid: int | None = None
    time: float = field(default_factory=time.time)


class WeChatEmulator:
    """The WeChat Official Account API on loopback, for tests and benchmarks.

    ``async with WeChatEmulator(app_id, app_secret) as emu:`` and point the client at
    ``emu.base_url``. It checks the app id, secret and access token like WeChat (errcode
    40013, 40125, 41001, 40001), records what was sent (``sent``), counts token grants
    (``tokens_issued``) and misbehaves on request (``expire_tokens``, ``fail_next``,
    ``unsubscribe``, ``out_of_window``, ``stall``, ``drop_after_send``).
    """

    def __init__(
        self,
        app_id: str = "wx0123456789abcdef",
        app_secret: str = "emulated-app-secret",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: int = TOKEN_TTL,
    ) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.host, self.port = host, port
        self.token_ttl = token_ttl
        self.sent: list[SentMessage] = []
        self.tokens_issued = 0
        self.calls: Counter[str] = Counter()  # path -> requests, answered or not
        self.menu: dict[str, Any] | None = None
        self.unsubscribed: set[str] = set()
        self.outside_window: set[str] = set()
        self._tokens: dict[str, float] = {}  # valid token -> monotonic expiry
        self._faults: deque[int | None] = deque()
        self._errmsgs = dict(ERRMSGS)
        self._stall = 0.0
        self._drops = 0
        self._msgids = iter(range(1_000_000_001, 2**62))
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> WeChatEmulator:
        app = web.Application()
        routes: dict[str, Handler] = {
            "/cgi-bin/message/custom/send": self._custom_send,
            "/cgi-bin/message/template/send": self._template_send,
            "/cgi-bin/menu/create": self._menu_create,
        }
        app.router.add_get("/cgi-bin/token", self._wrap(self._token, authorised=False))
        app.router.add_get("/cgi-bin/menu/get", self._wrap(self._menu_get))
        for path, handler in routes.items():
            app.router.add_post(path, self._wrap(handler))
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WeChatEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- faults -------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every token issued so far stops working (40001), as after a grant elsewhere."""
        self._tokens.clear()

    def fail_next(self, errcode: int, count: int = 1, *, after: int = 0, errmsg: str = "") -> None:
        """The next ``count`` API calls (not token grants) answer ``errcode`` unprocessed,
        once ``after`` calls have gone through normally."""
        self._faults.extend([None] * after + [errcode] * count)
        self._errmsgs[errcode] = errmsg or self._errmsgs.get(errcode, "injected fault")

    def unsubscribe(self, openid: str) -> None:
        """The user unfollowed the account: sends to them fail with 43004."""
        self.unsubscribed.add(openid)

    def out_of_window(self, openid: str) -> None:
        """The user has not written for 48 hours: customer-service sends fail with 45015."""
        self.outside_window.add(openid)

    def stall(self, seconds: float) -> None:
        """Answer every request ``seconds`` late (it is carried out first); 0 to stop."""
        self._stall = seconds

    def drop_after_send(self, count: int = 1) -> None:
        """The next ``count`` sends are recorded, then the connection closes unanswered."""
        self._drops += count

    # --- request pipeline ---------------------------------------------------------------
    def _wrap(
        self, handler: Handler, *, authorised: bool = True
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            self.calls[request.path] += 1
            try:
                if authorised:
                    self._check_token(request.query.get("access_token", ""))
                    code = self._faults.popleft() if self._faults else None
                    if code is not None:
                        raise _WeChatError(code, self._errmsgs.get(code, "injected fault"))
                body = await handler(request)
            except _WeChatError as exc:
                body = {"errcode": exc.errcode, "errmsg": f"{exc.errmsg} rid: emulated"}
            except _Drop:
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError from None
            if self._stall:
                await asyncio.sleep(self._stall)
            return web.json_response(body, dumps=lambda o: json.dumps(o, ensure_ascii=False))

        return endpoint

    def _check_token(self, token: str) -> None:
        if not token:
            raise _WeChatError(41001, "access_token missing")
        expiry = self._tokens.get(token)
        if expiry is None or expiry <= time.monotonic():
            raise _WeChatError(40001, self._errmsgs[40001])

    async def _json(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if _ESCAPE.search(raw):
            # Some WeChat APIs show \uXXXX escapes as typed; clients send UTF-8 (as
            # wechatpy does), and the emulator refuses escapes so a regression shows.
            raise _WeChatError(47001, "data format error: \\u escapes are shown as typed")
        try:
            data = json.loads(raw)
        except ValueError:
            raise _WeChatError(47001, "data format error") from None
        if not isinstance(data, dict):
            raise _WeChatError(47001, "data format error")
        return data

    def _record(self, message: SentMessage) -> None:
        self.sent.append(message)
        if self._drops:
            self._drops -= 1
            raise _Drop

    # --- endpoints ----------------------------------------------------------------------
    async def _token(self, request: web.Request) -> dict[str, Any]:
        query = request.query
        if query.get("grant_type") != "client_credential":
            raise _WeChatError(40002, "invalid grant_type")
        if query.get("appid") != self.app_id:
            raise _WeChatError(40013, "invalid appid")
        if query.get("secret") != self.app_secret:
            raise _WeChatError(40125, "invalid appsecret")
        now = time.monotonic()
        for old, expiry in list(self._tokens.items()):
            self._tokens[old] = min(expiry, now + OLD_TOKEN_GRACE)
        token = f"EMU_{secrets.token_urlsafe(96)}"
        self._tokens[token] = now + self.token_ttl
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": self.token_ttl}

    async def _custom_send(self, request: web.Request) -> dict[str, Any]:
        data = await self._json(request)
        openid = _openid(data)
        if data.get("msgtype") != "text":
            raise _WeChatError(40008, "invalid message type (the emulator knows text only)")
        content = (data.get("text") or {}).get("content")
        if not isinstance(content, str) or not content:
            raise _WeChatError(44003, "empty news data")
        if len(content.encode("utf-8")) > TEXT_LIMIT_BYTES:
            raise _WeChatError(45002, "content size out of limit")
        if openid in self.unsubscribed:
            raise _WeChatError(43004, self._errmsgs[43004])
        if openid in self.outside_window:
            raise _WeChatError(45015, self._errmsgs[45015])
        self._record(SentMessage(openid, "text", text=content))
        return {"errcode": 0, "errmsg": "ok"}

    async def _template_send(self, request: web.Request) -> dict[str, Any]:
        data = await self._json(request)
        openid = _openid(data)
        template_id, fields = data.get("template_id"), data.get("data")
        if not isinstance(template_id, str) or not template_id:
            raise _WeChatError(40037, "invalid template_id")
        if not isinstance(fields, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("value"), str) for v in fields.values()
        ):
            raise _WeChatError(47001, "data format error: data.{name}.value")
        if openid in self.unsubscribed:
            raise _WeChatError(43004, self._errmsgs[43004])
        msgid = next(self._msgids)
        values = {name: value["value"] for name, value in fields.items()}
        url = data.get("url") if isinstance(data.get("url"), str) else None
        self._record(SentMessage(openid, "template", "", template_id, values, url, msgid))
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    async def _menu_create(self, request: web.Request) -> dict[str, Any]:
        data = await self._json(request)
        buttons = data.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise _WeChatError(40016, "invalid button size")
        self.menu = data
        return {"errcode": 0, "errmsg": "ok"}

    async def _menu_get(self, request: web.Request) -> dict[str, Any]:
        if self.menu is None:
            raise _WeChatError(46003, "menu no exist")
        return {"menu": self.menu}


def _openid(data: dict[str, Any]) -> str:
    openid = data.get("touser")
    if not isinstance(openid, str) or not openid:
        raise _WeChatError(40003, "invalid openid")
    return openid
