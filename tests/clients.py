"""In-process HTTP for the tests: a client for an app, the API on a runtime, bearer tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from api.app import create_app
from core.tokens import create_token
from policydesk.runtime import Runtime


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that talks to ``app`` in process (no server, no port)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@asynccontextmanager
async def api_client(runtime: Runtime, *, start: bool) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``runtime`` and a client for it. ``start`` runs the app's startup (which
    loads the knowledge index); without it the runtime is only attached, for routes that
    need no index."""
    app = create_app(runtime=runtime)
    if start:
        async with app.router.lifespan_context(app), client_for(app) as client:
            yield client
        return
    app.state.runtime = runtime
    async with client_for(app) as client:
        yield client


async def bearer(runtime: Runtime, role: str, name: str = "") -> dict[str, str]:
    """Headers with a new API token of ``role``."""
    async with runtime.sessions() as session:
        _, plain = await create_token(session, role, name)
        await session.commit()
    return {"Authorization": f"Bearer {plain}"}
