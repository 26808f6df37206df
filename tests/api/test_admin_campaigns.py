"""The campaign admin API: shapes clients rely on, validation, auth, lifecycle, preview."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.routes.admin_campaigns import port_factory
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory, utcnow
from core.settings import Settings
from events.registration import register
from events.schemas import CompanyIn, ContactIn, RegistrationIn
from events.service import create_event
from policydesk.runtime import Runtime
from tests.campaigns.factories import CHAT_BASE, FakePort, add_subscribers
from tests.clients import bearer, client_for
from tests.events.factories import event_in, make_credit_code


@pytest.fixture
async def lean_runtime(db_url: str, tmp_path) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    """A runtime without the knowledge pack: campaigns do not need it."""
    from knowledge.service import KnowledgeBase

    settings = Settings(data_dir=tmp_path, database_url=db_url)  # type: ignore[call-arg]
    engine = create_engine(db_url)
    rt = Runtime(settings, engine, create_session_factory(engine), KnowledgeBase(settings))
    yield rt
    await rt.close()


@pytest.fixture
async def officer(lean_runtime: Runtime) -> dict[str, str]:
    return await bearer(lean_runtime, "officer", "王科长")


@pytest.fixture
async def client(lean_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=lean_runtime)
    app.state.runtime = lean_runtime  # no lifespan: the knowledge pack is not needed here
    port = FakePort()
    app.dependency_overrides[port_factory] = lambda: lambda: port
    app.state.fake_port = port
    async with client_for(app) as client:
        yield client


async def test_create_start_and_watch_until_done(
    client: httpx.AsyncClient, officer: dict[str, str], lean_runtime: Runtime
) -> None:
    sessions: async_sessionmaker[AsyncSession] = lean_runtime.sessions
    await add_subscribers(sessions, 30, county="解放区")
    await add_subscribers(sessions, 10, start=100, county="山阳区")
    body = {"title": "4·26", "text": "<b>世界知识产权日</b>", "segment": {"counties": ["解放区"]}}
    created = await client.post("/api/v1/admin/campaigns", json=body, headers=officer)
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    started = await client.post(f"/api/v1/admin/campaigns/{campaign_id}/start", headers=officer)
    assert started.json()["status"] == "sending"
    assert started.json()["stats"]["targeted"] == 30
    port = FakePort()
    await Worker(sessions, port, config=WorkerConfig(rate=1000, poll=0.05)).run(until_idle=True)
    shown = (await client.get(f"/api/v1/admin/campaigns/{campaign_id}", headers=officer)).json()
    assert shown["status"] == "done"
    assert {k: shown["stats"][k] for k in ("targeted", "sent", "blocked", "failed", "unknown")} == {
        "targeted": 30,
        "sent": 30,
        "blocked": 0,
        "failed": 0,
        "unknown": 0,
    }
    listed = (await client.get("/api/v1/admin/campaigns", headers=officer)).json()
    assert [c["id"] for c in listed] == [campaign_id]


async def test_empty_segment_reaches_everyone_and_pause_resume_cancel(
    client: httpx.AsyncClient, officer: dict[str, str], lean_runtime: Runtime
) -> None:
    await add_subscribers(lean_runtime.sessions, 7)
    body = {"title": "t", "text": "hello", "segment": {}}
    campaign_id = (await client.post("/api/v1/admin/campaigns", json=body, headers=officer)).json()[
        "id"
    ]
    url = f"/api/v1/admin/campaigns/{campaign_id}"
    assert (await client.post(f"{url}/pause", headers=officer)).status_code == 409
    assert (await client.post(f"{url}/start", headers=officer)).json()["stats"]["targeted"] == 7
    assert (await client.post(f"{url}/pause", headers=officer)).json()["status"] == "paused"
    assert (await client.post(f"{url}/resume", headers=officer)).json()["status"] == "sending"
    cancelled = (await client.post(f"{url}/cancel", headers=officer)).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["stats"]["cancelled"] == 7
    assert (await client.post(f"{url}/start", headers=officer)).status_code == 409


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "<b>unclosed"),
        ("text", "<div>not telegram</div>"),
        ("text", "x" * 4097),
        ("segment", {"planet": "mars"}),
        ("segment", {"company_sizes": ["huge"]}),
        ("button_url", "javascript:alert(1)"),
    ],
)
async def test_invalid_content_is_refused_with_its_field(
    client: httpx.AsyncClient, officer: dict[str, str], field: str, value: object
) -> None:
    body: dict[str, object] = {"title": "t", "text": "ok", "segment": {}}
    body[field] = value
    if field == "button_url":
        body["button_text"] = "报名"
    response = await client.post("/api/v1/admin/campaigns", json=body, headers=officer)
    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_needs_a_token_and_unknown_ids_are_404(
    client: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/admin/campaigns")).status_code == 401
    assert (await client.get("/api/v1/admin/campaigns/999", headers=officer)).status_code == 404


async def test_preview_renders_and_goes_to_the_officers_chat_only(
    client: httpx.AsyncClient, officer: dict[str, str], lean_runtime: Runtime
) -> None:
    await add_subscribers(lean_runtime.sessions, 3)
    body = {"title": "t", "text": "<i>培训</i> &amp; 报名", "segment": {}}
    campaign_id = (await client.post("/api/v1/admin/campaigns", json=body, headers=officer)).json()[
        "id"
    ]
    response = await client.post(
        f"/api/v1/admin/campaigns/{campaign_id}/preview", json={"chat_id": 42}, headers=officer
    )
    out = response.json()
    assert (out["plain_text"], out["audience"], out["outcome"]) == ("培训 & 报名", 3, "sent")
    port: FakePort = client._transport.app.state.fake_port  # type: ignore[attr-defined]
    assert [chat for chat, _ in port.requests] == [42]


async def test_the_list_costs_the_same_statements_for_two_campaigns_as_for_six(
    client: httpx.AsyncClient, officer: dict[str, str], lean_runtime: Runtime
) -> None:
    """The stats of a page of campaigns are counted in one query, not one per campaign."""
    await add_subscribers(lean_runtime.sessions, 3)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def listed() -> tuple[list[dict[str, Any]], list[str]]:
        statements.clear()
        engine = lean_runtime.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = await client.get("/api/v1/admin/campaigns", headers=officer)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.text
        return response.json(), list(statements)

    url = "/api/v1/admin/campaigns"
    for n in range(6):
        body = {"title": f"t{n}", "text": "hello", "segment": {}}
        campaign_id = (await client.post(url, json=body, headers=officer)).json()["id"]
        if n % 2 == 0:  # every other campaign sends, so that some have deliveries to count
            assert (await client.post(f"{url}/{campaign_id}/start", headers=officer)).is_success
        if n == 1:
            two, for_two = await listed()
    six, for_six = await listed()
    assert len(two) == 2 and len(six) == 6
    assert len(for_six) == len(for_two)
    assert sum("deliveries" in statement for statement in for_six) == 1
    # Newest first; the started ones (the 1st, 3rd and 5th made) reached the 3 subscribers.
    assert [c["stats"]["targeted"] for c in six] == [0, 3, 0, 3, 0, 3]
    assert [c["stats"]["targeted"] for c in two] == [0, 3]


async def test_audience_counts_through_registered_companies_and_lists_events(
    client: httpx.AsyncClient, officer: dict[str, str], lean_runtime: Runtime
) -> None:
    """The API counts a segment as the bot's audience screen does, and lists the events a
    campaign may aim at; a scheduled campaign shows the audience it was scheduled with."""
    now = utcnow()
    sessions = lean_runtime.sessions
    async with sessions() as session:
        training = await create_event(session, event_in(now=now))
        await session.commit()
    await add_subscribers(sessions, 2, start=1)  # chats CHAT_BASE + 1, + 2; nothing known
    code = make_credit_code(random.Random(77))
    company = CompanyIn(name="焦作修武测试有限公司", credit_code=code, county="修武县")
    form = RegistrationIn(company=company, contact=ContactIn(name="张三", phone="13900000077"))
    await register(sessions, training.id, form, chat_id=CHAT_BASE + 1, now=now)

    url = "/api/v1/admin/campaigns"
    counted = await client.post(
        f"{url}/audience", json={"segment": {"counties": ["修武县", "武陟县"]}}, headers=officer
    )
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"audience": 1}  # before: 0, subscribers have no county
    bad = await client.post(f"{url}/audience", json={"segment": {"planet": 1}}, headers=officer)
    assert bad.status_code == 422
    events = (await client.get(f"{url}/audience/events", headers=officer)).json()
    assert [(e["id"], e["title"], e["reachable"]) for e in events] == [
        (training.id, training.title, 1)
    ]
    body = {
        "title": "下月推送",
        "text": "正文",
        "segment": {"counties": ["修武县"]},
        "scheduled_at": (now + timedelta(days=30)).isoformat(),
    }
    campaign_id = (await client.post(url, json=body, headers=officer)).json()["id"]
    started = (await client.post(f"{url}/{campaign_id}/start", headers=officer)).json()
    assert started["status"] == "scheduled"
    assert (started["stats"]["targeted"], started["stats"]["remaining"]) == (1, 1)
