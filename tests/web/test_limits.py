"""The rate limiter and the body size limit."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.limits import MemoryRateStore, Rate, RateLimitMiddleware


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "rate"),
    [("30/minute", Rate(30, 60)), ("5/second", Rate(5, 1)), ("100 / hours", Rate(100, 3600))],
)
def test_rate_parse(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "ten/minute", "5/fortnight", "5"])
def test_rate_parse_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


async def test_bucket_allows_a_burst_then_refills() -> None:
    clock = Clock()
    store = MemoryRateStore(clock)
    rate = Rate(3, 60)
    assert [await store.hit("a", rate) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await store.hit("a", rate)
    assert wait == pytest.approx(20.0)
    assert await store.hit("b", rate) == 0.0  # another client has its own bucket
    clock.now += 20.0
    assert await store.hit("a", rate) == 0.0
    assert await store.hit("a", rate) > 0


async def test_middleware_limits_only_selected_paths() -> None:
    app = FastAPI()

    @app.get("/api/v1/public")
    async def public() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/v1/admin/thing")
    async def admin() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(
        RateLimitMiddleware,
        rate=Rate(2, 60),
        store=MemoryRateStore(),
        is_limited=lambda path: not path.startswith("/api/v1/admin/"),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        codes = [(await client.get("/api/v1/public")).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = await client.get("/api/v1/public")
        assert int(limited.headers["retry-after"]) >= 1 and limited.json()["detail"]
        admin = [(await client.get("/api/v1/admin/thing")).status_code for _ in range(5)]
        assert admin == [200] * 5


async def test_refund_gives_one_request_back_up_to_the_rate() -> None:
    store = MemoryRateStore(Clock())
    rate = Rate(2, 3600)
    assert [await store.hit("a", rate) for _ in range(2)] == [0.0, 0.0]
    await store.refund("a", rate)
    assert await store.hit("a", rate) == 0.0
    assert await store.hit("a", rate) > 0
    for _ in range(5):  # never more than a full bucket
        await store.refund("a", rate)
    assert [await store.hit("a", rate) > 0 for _ in range(3)] == [False, False, True]
