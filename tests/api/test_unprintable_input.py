"""Bodies that FastAPI's own 422 handler could not print back (NaN, Infinity, 1e999, a
lone surrogate) get a clean 422 that says where the problem is, on every public POST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from policydesk.runtime import Runtime
from tests.clients import api_client

ROUTES = [
    ("/api/v1/ask", "question"),
    ("/api/v1/benefits/match", "locale"),
    ("/api/v1/events/1/registrations", "seats"),
    ("/api/v1/registrations/lookup", "secret"),
    ("/api/v1/registrations/cancel", "secret"),
]
BAD = ["NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"', '["\\udfff"]']


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(runtime, start=True) as client:
        yield client


@pytest.mark.parametrize(("path", "field"), ROUTES)
async def test_unprintable_values_get_a_clean_422(
    client: httpx.AsyncClient, path: str, field: str
) -> None:
    for value in BAD:
        raw = f'{{"{field}": {value}}}'.encode()
        response = await client.post(
            path, content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code in (404, 422), (value, response.status_code, response.text)
        if response.status_code == 422:
            body = response.json()
            assert body["code"] in ("invalid_input", "out_of_range"), body
            errors = body.get("detail") if isinstance(body.get("detail"), list) else []
            assert all("input" not in e for e in errors), "the offending value is not echoed"
