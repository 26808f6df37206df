"""Fixtures for the officer workspace and the web channel: an app on both databases, a
client, tokens of both roles.

Building the index embeds every pack entry; ``cached_embedder`` remembers vectors across
the run, so each test's fresh index costs only chunking and BM25.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from api.app import create_app
from core.db import utcnow
from core.officers import create_officer
from knowledge.embedding import Embedder
from knowledge.embedding.base import Vectors
from policydesk.runtime import Runtime, initialise, open_runtime
from tests.clients import bearer, client_for
from tests.conftest import make_settings


class CachingEmbedder:
    """The same model, remembering every vector it computed (tests only)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _embed(self, kind: str, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._cache]
        if missing:
            fn = self.inner.embed_queries if kind == "q" else self.inner.embed_passages
            for text, vector in zip(missing, fn(missing), strict=True):
                self._cache[(kind, text)] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[(kind, t)] for t in texts]).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed("q", texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed("p", texts)


@pytest.fixture(scope="session")
def cached_embedder(embedder: Embedder) -> CachingEmbedder:
    return CachingEmbedder(embedder)


@pytest.fixture
async def web_runtime(
    tmp_path: Path, db_url: str, cached_embedder: CachingEmbedder
) -> AsyncIterator[Runtime]:
    """A runtime on ``db_url`` with the bundled pack indexed and a generous rate limit."""
    settings = make_settings(tmp_path / "data", db_url, rate_limit="10000/minute")
    rt = await open_runtime(settings, migrate=False)
    rt.knowledge.embedder = cached_embedder
    await initialise(rt)
    yield rt
    await rt.close()


@pytest.fixture
async def app(web_runtime: Runtime) -> AsyncIterator[FastAPI]:
    application = create_app(runtime=web_runtime)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
async def admin_headers(web_runtime: Runtime) -> dict[str, str]:
    return await bearer(web_runtime, "admin", "test admin")


@pytest.fixture
async def officer_headers(web_runtime: Runtime) -> dict[str, str]:
    return await bearer(web_runtime, "officer", "test officer")


async def open_web_chat(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post("/api/v1/web/chats", json={"locale": "zh"})
    assert response.status_code == 201
    return {"X-Chat-Key": response.json()["key"]}


async def messages_of(
    client: httpx.AsyncClient, chat: dict[str, str], count: int
) -> list[dict[str, object]]:
    """The chat's messages once ``count`` have arrived (an officer's answer goes through
    the outbox: the app's delivery worker writes it for the browser a moment later)."""
    for _ in range(100):
        messages: list[dict[str, object]] = (
            await client.get("/api/v1/web/messages", headers=chat)
        ).json()
        if len(messages) >= count:
            return messages
        await asyncio.sleep(0.05)
    return messages


OFFICER_PASSWORD = "correct horse battery"


async def add_officer(runtime: Runtime, name: str, role: str) -> None:
    async with runtime.sessions() as session:
        await create_officer(session, name, OFFICER_PASSWORD, role)
        await session.commit()


def csrf_of(html: str) -> str:
    """The session's CSRF token, as the admin UI's pages carry it."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


async def login(
    client: httpx.AsyncClient, name: str, password: str = OFFICER_PASSWORD
) -> httpx.Response:
    page = await client.get("/admin/login")
    return await client.post(
        "/admin/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text)},
    )


async def login_as(client: httpx.AsyncClient, runtime: Runtime, role: str) -> str:
    """Log ``client`` in as a new officer account of ``role``; its username."""
    name = f"{role}-zhang"
    await add_officer(runtime, name, role)
    assert (await login(client, name)).status_code == 302
    return name


# Two companies with valid credit codes and mobile numbers, for sign-ups.
COMPANIES = (("91350200776049653A", "13800138000"), ("91330100716105852F", "13900139000"))


async def sign_up(client: httpx.AsyncClient, event_id: int, count: int) -> None:
    """``count`` companies register for the event through the public API."""
    for code, phone in COMPANIES[:count]:
        signed = await client.post(
            f"/api/v1/events/{event_id}/registrations",
            json={
                "company": {"name": "示例公司", "credit_code": code},
                "contact": {"name": "王伟", "phone": phone},
            },
        )
        assert signed.status_code == 201, signed.text


async def published_event(
    client: httpx.AsyncClient, officer: dict[str, str], title: str, capacity: int = 5
) -> int:
    """A training five days ahead, published through the admin API; its id."""
    body = {
        "kind": "training",
        "title": title,
        "starts_at": (utcnow() + timedelta(days=5)).isoformat(),
        "capacity": capacity,
        "status": "published",
    }
    response = await client.post("/api/v1/admin/events", json=body, headers=officer)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
