"""The officers' workspace at ``/admin``, built on sqladmin over our own tables."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI
from sqladmin import Admin, BaseView
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.admin_ui.auth import OfficerAuth
from api.admin_ui.desk import EventsPage, TokensPage
from api.admin_ui.pages import PAGES
from api.admin_ui.rules import RulesPage
from api.admin_ui.views import VIEWS
from core.settings import Settings
from policydesk.runtime import Runtime

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
MIN_SECRET_CHARS = 32


def session_secret(settings: Settings) -> str:
    """``POLICYDESK_SESSION_SECRET``; in development a per-process one (logins end on
    restart); in production a missing or short secret stops the app."""
    if settings.session_secret is not None:
        secret = settings.session_secret.get_secret_value()
        if settings.env == "production" and len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"POLICYDESK_SESSION_SECRET needs at least {MIN_SECRET_CHARS} characters"
            )
        return secret
    if settings.env == "production":
        raise ValueError("POLICYDESK_SESSION_SECRET is required in production")
    log.warning("POLICYDESK_SESSION_SECRET is not set: admin logins last until a restart")
    return secrets.token_urlsafe(32)


class AdminUI:
    """Built with the app; bound to the runtime when the app starts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = session_secret(settings)
        # Unbound until ``bind``: the engine exists only once the app has started.
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            class_=AsyncSession, expire_on_commit=False
        )
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the admin UI is used before the app started")
        return self._runtime

    def bind(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.sessions.configure(bind=runtime.engine)

    def mount(self, app: FastAPI) -> None:
        admin = Admin(
            app,
            session_maker=self.sessions,
            base_url="/admin",
            title="政策服务工作台",
            templates_dir=str(TEMPLATES),
            authentication_backend=OfficerAuth(self),
        )
        admin.admin.state.ui = self
        for view in VIEWS:
            admin.add_view(view)
        pages: list[type[BaseView]] = [EventsPage, *PAGES, RulesPage, TokensPage]
        for page in pages:
            admin.add_base_view(page)
