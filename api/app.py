"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import admin_events, admin_questions, ask, events, health, telegram
from bot.runner import start_front_door
from core.settings import Settings
from policydesk.runtime import Runtime, ensure_initialised, open_runtime


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, bot_polling: bool = True
) -> FastAPI:
    """An app over an existing runtime (tests, embedding) or one it opens itself.

    With a bot token configured, the bot runs inside the app: webhook mode when
    ``POLICYDESK_WEBHOOK_URL`` is set, else long polling (unless ``bot_polling`` is False).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        rt = runtime or await open_runtime(settings or Settings())
        await ensure_initialised(rt)
        app.state.runtime = rt
        app.state.telegram = await start_front_door(rt, polling=bot_polling)
        try:
            yield
        finally:
            if app.state.telegram is not None:
                await app.state.telegram.close()
            if own:
                await rt.close()

    app = FastAPI(
        title="policydesk",
        version="0.1.0",
        description=(
            "Policy questions with cited answers, event sign-up and publicity for an IP office."
        ),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in (
        health.router,
        ask.router,
        events.router,
        admin_events.router,
        admin_questions.router,
        telegram.router,
    ):
        app.include_router(router)
    return app
