"""Request ids, Prometheus metrics and readiness with Redis, through the real app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from policydesk.runtime import Runtime
from tests.clients import api_client

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(runtime, start=True) as client:
        yield client


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in an exposition text (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_request_id_is_honoured_or_made_and_always_returned(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert given.headers["x-request-id"] == "lb-7f3a.42"
    made = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    # A header that could forge log lines is not echoed back.
    forged = await client.get("/healthz", headers={"X-Request-ID": 'x" level="error'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])
    assert made.headers["x-request-id"] != forged.headers["x-request-id"]


async def test_metrics_count_questions_latency_by_route_and_index_version(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    before = (await client.get("/metrics")).text
    answered = await client.post("/api/v1/ask", json={"question": "知识产权质押融资怎么开展?"})
    declined = await client.post("/api/v1/ask", json={"question": "明天焦作的天气怎么样?"})
    assert answered.json()["answered"] and not declined.json()["answered"]
    await client.get("/no/such/page/123")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("policydesk_questions_total", channel="api", outcome="answered") == 1
    assert delta("policydesk_questions_total", channel="api", outcome="not_found") == 1
    count = "policydesk_http_request_duration_seconds_count"
    assert delta(count, method="POST", route="/api/v1/ask", status="200") == 2
    assert delta(count, method="GET", route="<unmatched>", status="404") == 1
    assert "/no/such/page/123" not in after
    version = runtime.knowledge.version
    assert version is not None
    assert sample(after, "policydesk_index_version_info", version=version) == 1
    assert sample(after, "policydesk_index_entries") > 100


async def test_readyz_checks_redis_when_configured(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.redis = Redis.from_url(REDIS_URL)
    try:
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["redis"] == "ok"
    finally:
        await runtime.redis.aclose()
    # Nothing listens on port 1: Redis is configured but down, so not ready.
    runtime.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["redis"].startswith("error")
        assert down.json()["checks"]["database"] == "ok"
    finally:
        await runtime.redis.aclose()
        runtime.redis = None
