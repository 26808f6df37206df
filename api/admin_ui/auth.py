"""Browser login for the admin UI and CSRF protection for its forms.

Officers log in with a username and password (argon2id, ``core.officers``) or paste an
API token as the password. Attempts are limited per username and per client address
(``api.admin_ui.throttle``). The session is a signed cookie limited to ``/admin`` with
SameSite=Strict; it names a session kept on the server (``core.admin_sessions``), so
logging out ends it for every copy of the cookie. Every state-changing request must come
from the admin UI's own origin (``api.admin_ui.origin``) and carry the session's CSRF
token, as a form field or an ``X-CSRF-Token`` header; the templates add it to every form
and to the UI's own scripted requests.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs

from sqladmin.authentication import AuthenticationBackend
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.admin_ui.origin import SAFE_METHODS, PublicOriginMiddleware
from api.admin_ui.throttle import locked_message
from api.replay import replaying_body
from core.admin_sessions import OFFICER, TOKEN, end_session, live_session, open_session
from core.officers import Officer, log_in
from core.tokens import TOKEN_PREFIX, ApiToken, Role, authenticate

if TYPE_CHECKING:
    from api.admin_ui import AdminUI

log = logging.getLogger(__name__)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
SESSION_HOURS = 8
WRONG_CREDENTIALS = "用户名或密码错误。"
CSRF_REFUSED = "页面已过期，请刷新后重试。"


class CsrfMiddleware:
    """Gives each session a random token and refuses unsafe requests without it (403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] = scope["session"]
        expected = session.setdefault("csrf", secrets.token_urlsafe(32))
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        given = dict(scope["headers"]).get(CSRF_HEADER, b"").decode("latin-1")
        if not given:
            given = await _form_token(scope, body)
        if not secrets.compare_digest(given.encode(), str(expected).encode()):
            response = PlainTextResponse(CSRF_REFUSED, 403)
            await response(scope, receive, send)
            return

        await self.app(scope, replaying_body(body, receive), send)


async def _form_token(scope: Scope, body: bytes) -> str:
    content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [""])
        return values[0]
    if content_type.startswith("multipart/form-data"):
        sent = False

        async def once() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(scope, once).form()
        try:
            value = form.get(CSRF_FIELD)
            return value if isinstance(value, str) else ""
        finally:
            await form.close()
    return ""


class OfficerAuth(AuthenticationBackend):
    def __init__(self, ui: AdminUI) -> None:
        super().__init__(
            secret_key=ui.secret,
            session_cookie="policydesk_admin",
            max_age=SESSION_HOURS * 3600,
            path="/admin",
            same_site="strict",
            https_only=ui.settings.env == "production",
        )
        # Outermost: a cross-origin request is refused before the session is read.
        self.middlewares.insert(
            0, Middleware(PublicOriginMiddleware, public_url=ui.settings.public_url)
        )
        self.middlewares.append(Middleware(CsrfMiddleware))
        self.ui = ui

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        by_token = password.startswith(TOKEN_PREFIX)
        account = None if by_token else username.strip()
        # The client behind our trusted proxies (api.forwarded).
        address = request.client.host if request.client else "unknown"
        wait = await self.ui.throttle.admit(account, address)
        if wait > 0:
            page = await self._login_page(request, locked_message(wait), 429)
            page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return page
        who = await self._who(username, password, by_token)
        if who is None:
            log.warning("admin login failed for %r from %s", username[:80], address)
            return await self._login_page(request, WRONG_CREDENTIALS, 400)
        await self.ui.throttle.succeeded(account, address)
        async with self.ui.sessions() as session:
            lifetime = timedelta(hours=SESSION_HOURS)
            session_id = await open_session(session, who[0], who[1], lifetime)
            await session.commit()
        request.session.clear()  # a fresh session (and CSRF token) after login
        kind, ident, name, role = who
        request.session.update(
            {
                "sid": session_id,
                "kind": kind,
                "id": ident,
                "user": name,
                "role": role,
                "csrf": secrets.token_urlsafe(32),
            }
        )
        return True

    async def _who(
        self, username: str, password: str, by_token: bool
    ) -> tuple[str, int, str, str] | None:
        """Kind, id, name and role of whoever these credentials belong to, or None."""
        if by_token:
            async with self.ui.sessions() as session:
                token = await authenticate(session, password)
                await session.commit()
            return None if token is None else (TOKEN, token.id, token.name, token.role)
        officer = await log_in(self.ui.sessions, username, password)
        return None if officer is None else (OFFICER, officer.id, officer.username, officer.role)

    async def _login_page(self, request: Request, error: str, status: int) -> Response:
        return await self.ui.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": error}, status_code=status
        )

    async def logout(self, request: Request) -> bool:
        session_id = request.session.get("sid")
        if isinstance(session_id, str):
            async with self.ui.sessions() as session:
                await end_session(session, session_id)
                await session.commit()
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        """The session is valid while the server keeps it (not logged out, not expired,
        not ended by a password change) and its officer is active or its token unrevoked."""
        if not await self._live(request):
            request.session.clear()  # the browser drops the dead cookie
            return False
        return True

    async def _live(self, request: Request) -> bool:
        session_id, kind, ident = (request.session.get(k) for k in ("sid", "kind", "id"))
        if not isinstance(session_id, str):
            return False
        async with self.ui.sessions() as session:
            row = await live_session(session, session_id)
            if row is None or (row.kind, row.subject_id) != (kind, ident):
                return False
            if kind == OFFICER:
                officer = await session.get(Officer, ident)
                return officer is not None and officer.active
            token = await session.get(ApiToken, ident)
            return token is not None and token.revoked_at is None


class RoleAccess:
    """For views and pages: open to, and listed in the menu for, sessions whose role
    allows ``required``."""

    required: ClassVar[Role] = Role.OFFICER

    def is_accessible(self, request: Request) -> bool:
        role = session_role(request)
        return role is not None and role.allows(self.required)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)


def session_role(request: Request) -> Role | None:
    try:
        return Role(request.session.get("role", ""))
    except ValueError:
        return None


def session_user(request: Request) -> str:
    return str(request.session.get("user", ""))


def session_actor(request: Request) -> str:
    """Who made a change, as change logs record it: ``officer NAME`` or ``token ID NAME``."""
    kind, ident, user = (
        request.session.get("kind"),
        request.session.get("id"),
        session_user(request),
    )
    who = f"token {ident} {user}" if kind == "token" else f"officer {user}"
    return who.strip()[:120]
