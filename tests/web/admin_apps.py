"""The app with its own settings and rate store, and browsers at chosen client addresses,
for the admin login's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from api.app import create_app
from api.limits import RateStore
from policydesk.runtime import Runtime

ADDRESS = "203.0.113.5"
OTHER_ADDRESS = "198.51.100.9"


@asynccontextmanager
async def admin_app(
    runtime: Runtime, store: RateStore | None = None, **settings: object
) -> AsyncIterator[FastAPI]:
    """The app on ``runtime`` with ``settings`` changed, counting logins in ``store``."""
    app = create_app(
        settings=runtime.settings.model_copy(update=settings),
        runtime=runtime,
        bot_polling=False,
        rate_store=store,
    )
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def browser(app: FastAPI, address: str = ADDRESS) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address``, with its own cookies."""
    transport = httpx.ASGITransport(app=app, client=(address, 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
