"""Events and API tokens in the admin UI: the same services and checks as the admin API,
officers for events, admins for tokens, CSRF on every write."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from core.tokens import ApiToken, hash_token
from events.models import Event
from policydesk.runtime import Runtime
from tests.web.conftest import csrf_of, login_as, sign_up

EVENT_FORM = {
    "title": "专利导航培训",
    "kind": "training",
    "status": "published",
    "starts_at": "2099-05-01T09:00",
    "registration_deadline": "",
    "capacity": "1",
    "place": "市民中心",
    "description": "第一行\r\n第二行",
}


async def _token_count(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)


async def _event(runtime: Runtime, event_id: int) -> Event:
    async with runtime.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event


def _errors(page: str, box: str) -> str:
    return html.unescape(page[page.index(f'id="{box}"') :].split("</div>")[0])


async def test_tokens_page_is_for_admins_only(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    anonymous = await client.get("/admin/tokens")
    assert anonymous.status_code == 302 and anonymous.headers["location"].endswith("/admin/login")
    await login_as(client, web_runtime, "officer")
    token = csrf_of((await client.get("/admin/")).text)
    before = await _token_count(web_runtime)
    assert (await client.get("/admin/tokens")).status_code == 403
    created = await client.post(
        "/admin/tokens", data={"role": "admin", "name": "mine", "csrf_token": token}
    )
    revoked = await client.post("/admin/tokens/1/revoke", data={"csrf_token": token})
    assert (created.status_code, revoked.status_code) == (403, 403)
    assert await _token_count(web_runtime) == before


async def test_token_created_in_the_browser_is_shown_once_works_and_can_be_revoked(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    await login_as(client, web_runtime, "admin")
    page = await client.get("/admin/tokens")
    token = csrf_of(page.text)
    before = await _token_count(web_runtime)
    refused = await client.post("/admin/tokens", data={"role": "officer", "name": "x"})
    assert refused.status_code == 403
    bad = await client.post(
        "/admin/tokens", data={"role": "superuser", "name": "x", "csrf_token": token}
    )
    assert bad.status_code == 422 and "角色：请从列表中选择" in _errors(bad.text, "token-errors")
    assert await _token_count(web_runtime) == before

    created = await client.post(
        "/admin/tokens", data={"role": "officer", "name": "<b>3号机</b>", "csrf_token": token}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    match = re.search(r'id="token-secret" readonly value="([^"]+)"', created.text)
    assert match
    secret = match.group(1)
    assert secret.startswith("pd_") and "&lt;b&gt;3号机&lt;/b&gt;" in created.text
    async with web_runtime.sessions() as session:
        row = await session.scalar(select(ApiToken).where(ApiToken.name == "<b>3号机</b>"))
    assert row is not None and row.role == "officer" and row.token_hash == hash_token(secret)
    listed = await client.get("/admin/tokens")
    assert secret not in listed.text and f'data-token="{row.id}"' in listed.text

    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/admin/questions", headers=bearer)).status_code == 200
    assert (await client.get("/api/v1/admin/tokens", headers=bearer)).status_code == 403

    revoke = await client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert revoke.status_code == 303 and f"revoked={row.id}" in revoke.headers["location"]
    assert (await client.get("/api/v1/admin/questions", headers=bearer)).status_code == 401
    missing = await client.post("/admin/tokens/999999/revoke", data={"csrf_token": token})
    assert missing.status_code == 404


async def test_events_page_needs_a_login_and_csrf(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    for path in ("/admin/events", "/admin/events/new"):
        anonymous = await client.get(path)
        assert anonymous.status_code == 302, path
    await login_as(client, web_runtime, "officer")
    assert (await client.get("/admin/events")).status_code == 200
    refused = await client.post("/admin/events/new", data=EVENT_FORM)
    assert refused.status_code == 403
    async with web_runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_officer_creates_and_edits_an_event_with_the_api_checks(
    client: httpx.AsyncClient, web_runtime: Runtime, officer_headers: dict[str, str]
) -> None:
    await login_as(client, web_runtime, "officer")
    token = csrf_of((await client.get("/admin/events/new")).text)

    late = EVENT_FORM | {"registration_deadline": "2099-05-02T09:00", "csrf_token": token}
    refused = await client.post("/admin/events/new", data=late)
    assert refused.status_code == 422
    assert "报名截止时间不能晚于活动开始时间" in _errors(refused.text, "event-errors")
    no_title = await client.post("/admin/events/new", data=late | {"title": " ", "capacity": "x"})
    problems = _errors(no_title.text, "event-errors")
    assert "标题：不能为空" in problems and "容量：请输入整数" in problems
    async with web_runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0

    created = await client.post("/admin/events/new", data=EVENT_FORM | {"csrf_token": token})
    assert created.status_code == 303
    event_id = int(re.findall(r"/events/(\d+)", created.headers["location"])[0])
    event = await _event(web_runtime, event_id)
    assert event.starts_at == datetime(2099, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 China time
    assert event.registration_deadline == event.starts_at
    assert (event.capacity, event.status, event.description) == (1, "published", "第一行\n第二行")
    assert "专利导航培训" in (await client.get("/admin/events")).text

    await sign_up(client, event_id, 2)

    form = await client.get(f"/admin/events/{event_id}")
    assert form.status_code == 200 and 'value="2099-05-01T09:00"' in form.text
    edit = EVENT_FORM | {"registration_deadline": "2099-05-01T09:00", "csrf_token": token}

    # One more seat: the waitlisted company moves up, as through the API.
    grown = await client.post(f"/admin/events/{event_id}", data=edit | {"capacity": "2"})
    assert grown.status_code == 303
    listed = await client.get(
        f"/api/v1/admin/events/{event_id}/registrations", headers=officer_headers
    )
    assert sorted(r["status"] for r in listed.json()) == ["confirmed", "confirmed"]

    # Fewer seats than confirmed: refused with the API's own message, nothing changed.
    shrink = await client.post(f"/admin/events/{event_id}", data=edit | {"capacity": "1"})
    assert shrink.status_code == 422
    api = await client.patch(
        f"/api/v1/admin/events/{event_id}", json={"capacity": 1}, headers=officer_headers
    )
    assert api.status_code == 422
    # The API's own message, with the field named as people do.
    assert api.json()["detail"].startswith("capacity: 已确认2个席位，容量不能更少")
    assert "容量：已确认2个席位，容量不能更少" in _errors(shrink.text, "event-errors")
    assert (await _event(web_runtime, event_id)).capacity == 2

    # Moving the start moves the deadline that followed it; more capacity is kept.
    moved = await client.post(
        f"/admin/events/{event_id}",
        data=edit
        | {"starts_at": "2099-06-01T14:30", "capacity": "5", "title": "专利导航培训(改期)"},
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("?saved=1")
    event = await _event(web_runtime, event_id)
    assert event.starts_at == datetime(2099, 6, 1, 6, 30, tzinfo=UTC)
    assert event.registration_deadline == event.starts_at
    assert (event.capacity, event.title) == (5, "专利导航培训(改期)")

    # Cancelling tells registrants (as the API); a cancelled event cannot be changed.
    cancelled = await client.post(
        f"/admin/events/{event_id}",
        data=edit
        | {"starts_at": "2099-06-01T14:30", "capacity": "5", "title": "专利导航培训(改期)"}
        | {"status": "cancelled"},
    )
    assert cancelled.status_code == 303
    assert (await _event(web_runtime, event_id)).status == "cancelled"
    again = await client.post(
        f"/admin/events/{event_id}",
        data=edit | {"starts_at": "2099-06-01T14:30", "capacity": "9", "status": "cancelled"},
    )
    assert again.status_code == 422 and "活动已取消" in _errors(again.text, "event-errors")
    assert (await client.get("/admin/events/999999")).status_code == 404


@pytest.mark.parametrize("role", ["officer", "admin"])
async def test_events_and_tokens_in_the_menu_by_role(
    client: httpx.AsyncClient, web_runtime: Runtime, role: str
) -> None:
    await login_as(client, web_runtime, role)
    home = (await client.get("/admin/")).text
    assert "/admin/events" in home
    assert ("/admin/tokens" in home) is (role == "admin")
