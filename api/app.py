"""The FastAPI application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from api.admin_ui import AdminUI
from api.errors import install_error_handlers
from api.forwarded import ForwardedMiddleware, TrustedProxies
from api.input_guard import InputGuardMiddleware
from api.limits import (
    BodySizeMiddleware,
    MemoryRateStore,
    Rate,
    RateLimitMiddleware,
    RateStore,
)
from api.limits_redis import RedisRateStore
from api.middleware import RequestContextMiddleware
from api.routes import (
    admin_campaigns,
    admin_documents,
    admin_events,
    admin_faq,
    admin_questions,
    admin_stats,
    admin_tokens,
    ask,
    benefit_rules,
    benefits,
    events,
    health,
    telegram,
    web,
    wechat,
)
from api.routes import metrics as metrics_route
from api.schemas import COMMON, ERRORS
from bot.runner import start_front_door
from campaigns.runner import background_worker
from core import metrics
from core.settings import Settings
from policydesk.runtime import Runtime, ensure_initialised, open_runtime, start_background

UPLOAD_PATHS = ("/api/v1/admin/documents", "/admin/upload")


def _is_public_api(path: str) -> bool:
    return path.startswith("/api/v1/") and not path.startswith("/api/v1/admin/")


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    *,
    bot_polling: bool = True,
    rate_store: RateStore | None = None,
) -> FastAPI:
    """An app over an existing runtime (tests, embedding) or one it opens itself.

    With a bot token configured, the bot runs inside the app: webhook mode when
    ``POLICYDESK_WEBHOOK_URL`` is set, else long polling (unless ``bot_polling`` is False).
    ``rate_store`` keeps the rate limits' and the admin login's counts; by default Redis
    when ``POLICYDESK_REDIS_URL`` is set (replicas behind one load balancer share a
    client's allowance), else memory.
    """
    settings = settings or (runtime.settings if runtime else Settings())
    own_store = rate_store is None
    store: RateStore = rate_store or (
        RedisRateStore(Redis.from_url(settings.redis_url))
        if settings.redis_url
        else MemoryRateStore()
    )
    admin_ui = AdminUI(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Each step that starts something registers how to end it. SIGTERM lands at the
        # yield after uvicorn has drained in-flight requests; the steps then run in reverse,
        # every one of them even when an earlier one fails (the failure is raised after).
        async with AsyncExitStack() as stack:
            rt = runtime or await open_runtime(settings)
            if runtime is None:
                stack.push_async_callback(rt.close)
            if own_store and isinstance(store, RedisRateStore):
                stack.push_async_callback(store.close)
            stack.callback(metrics.mark_process_dead, os.getpid())
            await ensure_initialised(rt)
            app.state.runtime = rt
            admin_ui.bind(rt)
            stack.push_async_callback(rt.background.stop, rt.settings.shutdown_timeout)
            app.state.telegram = await start_front_door(rt, polling=bot_polling)
            if app.state.telegram is not None:
                stack.push_async_callback(app.state.telegram.close)
            start_background(rt)
            await stack.enter_async_context(
                # The app's settings decide (an app over a given runtime may differ).
                background_worker(settings, rt.engine, rt.sessions, rt.transports, rt.outbox)
            )
            yield

    app = FastAPI(
        title="policydesk",
        version="0.1.0",
        description=(
            "Policy questions with cited answers, event sign-up and publicity for an IP office."
        ),
        lifespan=lifespan,
        responses=COMMON,
    )
    install_error_handlers(app)
    for router in (
        health.router,
        ask.router,
        events.router,
        benefits.router,
        telegram.router,
        web.router,
        web.api,
        wechat.router,
        metrics_route.router,
    ):
        app.include_router(router)
    for router in (
        admin_events.router,
        admin_questions.router,
        admin_tokens.router,
        admin_documents.router,
        admin_faq.router,
        admin_stats.router,
        benefit_rules.router,
        admin_campaigns.router,
    ):
        # Every admin route may refuse the caller: documented once, here.
        app.include_router(router, responses=ERRORS)
    app.mount("/static/web", StaticFiles(directory=web.WEB_DIR), name="web-static")
    admin_ui.mount(app)
    # Control characters are refused before any route reads the request (inside the size
    # limit, so an oversize body is refused before it is read whole).
    app.add_middleware(InputGuardMiddleware, exempt=(telegram.WEBHOOK_PATH,))
    app.add_middleware(
        BodySizeMiddleware,
        limit_for=lambda path: (
            settings.max_upload_bytes if path.startswith(UPLOAD_PATHS) else settings.max_body_bytes
        ),
    )
    app.add_middleware(
        RateLimitMiddleware,
        rate=Rate.parse(settings.rate_limit),
        store=store,
        is_limited=_is_public_api,
    )
    # Every response, a refused one included, gets a request id and a metric.
    app.add_middleware(RequestContextMiddleware)
    # Outermost: everything above sees the client behind our proxies, not the proxy.
    app.add_middleware(ForwardedMiddleware, proxies=TrustedProxies(settings.trusted_proxies))
    return app
