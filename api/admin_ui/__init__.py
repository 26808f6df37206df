"""The officers' workspace at ``/admin``, built on sqladmin over our own tables."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI
from sqladmin import Admin, BaseView
from sqladmin.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from api.admin_ui import sqladmin_zh
from api.admin_ui.auth import OfficerAuth
from api.admin_ui.desk import EventsPage, TokensPage
from api.admin_ui.event_desk import EventDeskPage
from api.admin_ui.labels import label
from api.admin_ui.pages import PAGES
from api.admin_ui.rules import RulesPage
from api.admin_ui.throttle import LoginThrottle
from api.admin_ui.views import VIEWS
from api.limits import Rate, RateStore
from core.clock_display import OfficeClock
from core.settings import Settings
from policydesk.runtime import Runtime

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
MIN_SECRET_CHARS = 32
# What officers call their time zone; another zone is named as configured.
ZONE_NAMES = {"Asia/Shanghai": "北京时间"}


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
    """Built with the app; bound to the runtime when the app starts.

    ``store`` is the app's rate store, where failed logins are counted.
    """

    def __init__(self, settings: Settings, store: RateStore) -> None:
        self.settings = settings
        self.secret = session_secret(settings)
        # Every time the pages show or read is on the office's clock; stored ones are UTC.
        self.clock = OfficeClock.named(settings.timezone)
        self.throttle = LoginThrottle(
            store,
            per_account=Rate.parse(settings.login_limit_account),
            per_address=Rate.parse(settings.login_limit_address),
        )
        # Unbound until ``bind``: the engine exists only once the app has started.
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            class_=AsyncSession, expire_on_commit=False
        )
        self._runtime: Runtime | None = None
        self._templates: Jinja2Templates | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the admin UI is used before the app started")
        return self._runtime

    @property
    def templates(self) -> Jinja2Templates:
        if self._templates is None:
            raise RuntimeError("the admin UI is used before it is mounted")
        return self._templates

    def login_action(self, request: Request) -> str:
        """Where the login form posts: the public URL's login page when one is configured
        (the request then answers as it, see ``api.admin_ui.origin``), else a bare path,
        which the browser sends to the origin it loaded the form from. Never a host taken
        from the request's Host header."""
        url = request.url_for("admin:login")
        return str(url) if self.settings.public_url else url.path

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
        env = admin.templates.env
        env.globals["login_action"] = self.login_action
        # The officers read Chinese: sqladmin's own words too, and names for stored codes.
        env.install_gettext_callables(  # type: ignore[attr-defined]
            sqladmin_zh.gettext, sqladmin_zh.ngettext, newstyle=True
        )
        env.globals["office_time"] = ZONE_NAMES.get(self.settings.timezone, self.settings.timezone)
        env.filters["local_time"] = self.clock.show
        env.filters["local_day"] = self.clock.show_day
        env.filters["label"] = _label_filter
        self._templates = admin.templates
        for view in VIEWS:
            admin.add_view(view)
        pages: list[type[BaseView]] = [EventsPage, EventDeskPage, *PAGES, RulesPage, TokensPage]
        for page in pages:
            admin.add_base_view(page)


def _label_filter(code: object, vocabulary: str) -> str:
    """``{{ event.kind|label("event_kind") }}``: a stored code by its name."""
    return label(vocabulary, code)
