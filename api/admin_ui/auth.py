"""Browser login for the admin UI and CSRF protection for its forms.

Officers log in with a username and password (argon2id, ``core.officers``) or paste an
API token as the password. The session is a signed cookie limited to ``/admin`` with
SameSite=Strict. Every state-changing request must also carry the session's CSRF token,
as a form field or an ``X-CSRF-Token`` header; the templates add it to every form and to
the UI's own scripted requests.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs

from sqladmin.authentication import AuthenticationBackend
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.officers import Officer, verify_officer
from core.tokens import TOKEN_PREFIX, ApiToken, Role, authenticate

if TYPE_CHECKING:
    from api.admin_ui import AdminUI

CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
SESSION_HOURS = 8
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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
            response = PlainTextResponse("CSRF token missing or wrong; reload the page", 403)
            await response(scope, receive, send)
            return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


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
        self.middlewares.append(Middleware(CsrfMiddleware))
        self.ui = ui

    async def login(self, request: Request) -> bool:
        form = await request.form()
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        async with self.ui.sessions() as session:
            who: tuple[str, int, str, str] | None = None
            if password.startswith(TOKEN_PREFIX):
                token = await authenticate(session, password)
                if token is not None:
                    who = ("token", token.id, token.name, token.role)
            else:
                officer = await verify_officer(session, username, password)
                if officer is not None:
                    who = ("officer", officer.id, officer.username, officer.role)
            await session.commit()
        if who is None:
            return False
        request.session.clear()  # a fresh session (and CSRF token) after login
        kind, ident, name, role = who
        request.session.update(
            {
                "kind": kind,
                "id": ident,
                "user": name,
                "role": role,
                "csrf": secrets.token_urlsafe(32),
            }
        )
        return True

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        """The session is valid while its officer is active or its token unrevoked."""
        kind, ident = request.session.get("kind"), request.session.get("id")
        if kind not in {"officer", "token"} or not isinstance(ident, int):
            return False
        async with self.ui.sessions() as session:
            if kind == "officer":
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
