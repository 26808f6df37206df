"""Event routes over HTTP semantics (httpx ASGI transport), on SQLite and PostgreSQL.

The app gets a runtime without the knowledge pack (event routes do not need it), so the
lifespan that would index the pack is not run.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from core.db import utcnow
from policydesk.runtime import Runtime, open_runtime
from tests.clients import api_client, bearer
from tests.conftest import make_settings
from tests.events.factories import make_credit_code


@pytest.fixture
async def events_runtime(tmp_path: Path, db_url: str) -> AsyncIterator[Runtime]:
    rt = await open_runtime(make_settings(tmp_path / "data", db_url), migrate=False)
    yield rt
    await rt.close()


@pytest.fixture
async def client(events_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(events_runtime, start=False) as client:
        yield client


@pytest.fixture
async def officer(events_runtime: Runtime) -> dict[str, str]:
    return await bearer(events_runtime, "officer")


def _event_body(**overrides: object) -> dict[str, object]:
    starts = utcnow() + timedelta(days=3)
    body: dict[str, object] = {
        "kind": "financing_matchmaking",
        "title": "知识产权质押融资银企对接会",
        "description": "银行与专利权人企业面对面",
        "place": "焦作市民之家",
        "starts_at": starts.isoformat(),
        "capacity": 2,
        "status": "published",
    }
    body.update(overrides)
    return body


def _sign_up(n: int, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "company": {"name": f"焦作企业{n}", "credit_code": make_credit_code(random.Random(n))},
        "contact": {"name": "王经理", "phone": f"+86 139-{n:04d}-0000"},
    }
    body.update(overrides)
    return body


async def _published(client: httpx.AsyncClient, officer: dict[str, str], **kw: object) -> int:
    response = await client.post("/api/v1/admin/events", json=_event_body(**kw), headers=officer)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_public_listing_sign_up_and_cancel_with_secret(
    client: httpx.AsyncClient, officer: dict[str, str], events_runtime: Runtime
) -> None:
    event_id = await _published(client, officer)
    await _published(client, officer, status="draft", title="草稿")
    listed = (await client.get("/api/v1/events")).json()
    assert [e["id"] for e in listed] == [event_id]
    assert listed[0]["registration_deadline"] == listed[0]["starts_at"]
    assert listed[0]["seats_left"] == 2 and listed[0]["registration_open"] is True

    need = {"amount_wan": 300, "patents": ["ZL 2017 1 0601862.3"], "purpose": "流动资金"}
    first = await client.post(
        f"/api/v1/events/{event_id}/registrations", json=_sign_up(1, seats=2, financing_need=need)
    )
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["status"] == "confirmed" and created["secret"] and created["checkin_code"]
    assert created["financing_need"]["patents"] == ["ZL201710601862.3"]
    assert created["financing_need"]["amount_wan"] == 300
    second = (
        await client.post(f"/api/v1/events/{event_id}/registrations", json=_sign_up(2))
    ).json()
    assert second["status"] == "waitlisted" and second["waitlist_position"] == 1
    assert (await client.get(f"/api/v1/events/{event_id}")).json()["seats_left"] == 0

    lookup = await client.post("/api/v1/registrations/lookup", json={"secret": second["secret"]})
    assert lookup.json()["id"] == second["id"] and "secret" not in lookup.json()
    wrong = await client.post("/api/v1/registrations/cancel", json={"secret": "nope"})
    assert wrong.status_code == 404
    done = await client.post("/api/v1/registrations/cancel", json={"secret": created["secret"]})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = await client.post("/api/v1/registrations/lookup", json={"secret": second["secret"]})
    assert again.json()["status"] == "confirmed"


async def test_duplicate_is_409_with_the_existing_registration(
    client: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    event_id = await _published(client, officer)
    first = (await client.post(f"/api/v1/events/{event_id}/registrations", json=_sign_up(5))).json()
    response = await client.post(f"/api/v1/events/{event_id}/registrations", json=_sign_up(5))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_registered" and body["existing"]["id"] == first["id"]


@pytest.mark.parametrize(
    ("patch", "field", "fragment"),
    [
        (
            {"company": {"name": "甲科技", "credit_code": "91440300708461136X"}},
            "credit_code",
            "check",
        ),
        # Issue 17, item 8: a one-character name was accepted.
        ({"company": {"name": " 焦 ", "credit_code": "91440300708461136T"}}, "name", "2-200"),
        ({"company": {"name": "123-456", "credit_code": "91440300708461136T"}}, "name", "数字"),
        ({"contact": {"name": "乙", "phone": "12345"}}, "phone", "11"),
        ({"seats": 0}, "seats", "greater"),
    ],
)
async def test_validation_errors_name_the_field_and_problem(
    client: httpx.AsyncClient,
    officer: dict[str, str],
    patch: dict[str, object],
    field: str,
    fragment: str,
) -> None:
    event_id = await _published(client, officer)
    body = _sign_up(9)
    for key, value in patch.items():
        if isinstance(value, dict):
            body[key] = {**body[key], **value}  # type: ignore[dict-item]
        else:
            body[key] = value
    response = await client.post(f"/api/v1/events/{event_id}/registrations", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == field and fragment in error["msg"]


async def test_refusals_are_clear(client: httpx.AsyncClient, officer: dict[str, str]) -> None:
    closed = await _published(
        client, officer, registration_deadline=(utcnow() - timedelta(minutes=1)).isoformat()
    )
    response = await client.post(f"/api/v1/events/{closed}/registrations", json=_sign_up(1))
    assert response.status_code == 409 and response.json()["code"] == "registration_closed"
    cancelled = await _published(client, officer)
    patch = await client.patch(
        f"/api/v1/admin/events/{cancelled}", json={"status": "cancelled"}, headers=officer
    )
    assert patch.status_code == 200 and patch.json()["status"] == "cancelled"
    response = await client.post(f"/api/v1/events/{cancelled}/registrations", json=_sign_up(1))
    assert response.status_code == 409 and response.json()["code"] == "event_cancelled"
    assert (await client.get("/api/v1/events/424242")).status_code == 404


async def test_admin_auth(client: httpx.AsyncClient, events_runtime: Runtime) -> None:
    assert (await client.get("/api/v1/admin/events")).status_code == 401
    bad = {"Authorization": "Bearer pd_not-a-real-token"}
    assert (
        await client.post("/api/v1/admin/events", json=_event_body(), headers=bad)
    ).status_code == 401
    officer = await bearer(events_runtime, "officer")
    assert (await client.get("/api/v1/admin/events", headers=officer)).status_code == 200
    for path in ("/api/v1/admin/events/1/registrations.csv", "/api/v1/admin/events/1"):
        assert (await client.get(path)).status_code == 401
    draft = await _published(client, officer, status="draft")
    # Deleting is for the admin role: an officer is refused with 403.
    refused = await client.delete(f"/api/v1/admin/events/{draft}", headers=officer)
    assert refused.status_code == 403
    admin = await bearer(events_runtime, "admin")
    assert (await client.delete(f"/api/v1/admin/events/{draft}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/admin/events/{draft}", headers=admin)).status_code == 404


async def test_admin_event_lifecycle_registrations_check_in_and_exports(
    client: httpx.AsyncClient, officer: dict[str, str], events_runtime: Runtime
) -> None:
    event_id = await _published(client, officer, capacity=1)
    patched = await client.patch(
        f"/api/v1/admin/events/{event_id}", json={"title": '=HYPERLINK("x")'}, headers=officer
    )
    assert patched.json()["title"] == '=HYPERLINK("x")'
    evil = _sign_up(1)
    evil["company"] = {**evil["company"], "name": "=cmd|' /C calc'!A0", "county": "@SUM(1)"}  # type: ignore[dict-item]
    first = (await client.post(f"/api/v1/events/{event_id}/registrations", json=evil)).json()
    await client.post(f"/api/v1/events/{event_id}/registrations", json=_sign_up(2))

    listed = await client.get(
        f"/api/v1/admin/events/{event_id}/registrations",
        params={"status": "waitlisted"},
        headers=officer,
    )
    assert [r["company"]["name"] for r in listed.json()] == ["焦作企业2"]
    assert listed.json()[0]["contact"]["phone"] == "13900020000"
    found = await client.get(
        f"/api/v1/admin/events/{event_id}/registrations", params={"q": "cmd"}, headers=officer
    )
    assert [r["id"] for r in found.json()] == [first["id"]]

    checked = await client.post(
        f"/api/v1/admin/events/{event_id}/checkin",
        json={"code": first["checkin_code"]},
        headers=officer,
    )
    assert checked.status_code == 200
    assert checked.json()["registration"]["status"] == "attended"
    assert checked.json()["already_checked_in"] is False

    raw = await client.get(f"/api/v1/admin/events/{event_id}/registrations.csv", headers=officer)
    assert raw.status_code == 200 and raw.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert table[0][2].startswith("企业名称")
    assert table[1][2] == "'=cmd|' /C calc'!A0" and table[1][4] == "'@SUM(1)"
    assert table[2][2] == "焦作企业2"

    xlsx = await client.get(f"/api/v1/admin/events/{event_id}/registrations.xlsx", headers=officer)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.cell(2, 3).value == "'=cmd|' /C calc'!A0" and sheet.cell(2, 3).data_type == "s"
    assert sheet.cell(3, 3).value == "焦作企业2"

    cancelled = await client.post(
        f"/api/v1/admin/registrations/{first['id'] + 1}/cancel", headers=officer
    )
    assert (
        cancelled.json()["status"] == "cancelled" and cancelled.json()["cancelled_by"] == "office"
    )


async def test_ids_beyond_the_database_range_are_404_not_500(
    client: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    huge = 2**40
    assert (await client.get(f"/api/v1/events/{huge}")).status_code == 404
    signup = await client.post(f"/api/v1/events/{huge}/registrations", json=_sign_up(1))
    assert signup.status_code == 404
    for path in (f"/api/v1/admin/events/{huge}", f"/api/v1/admin/events/{huge}/registrations"):
        assert (await client.get(path, headers=officer)).status_code == 404
    cancel = await client.post(f"/api/v1/admin/registrations/{huge}/cancel", headers=officer)
    assert cancel.status_code == 404


async def test_a_public_sign_up_leaves_the_company_to_officers(
    client: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    first_event, second_event = (
        await _published(client, officer),
        await _published(client, officer, title="第二场"),
    )
    original = _sign_up(7)
    assert (
        await client.post(f"/api/v1/events/{first_event}/registrations", json=original)
    ).status_code == 201
    forged = {**original, "company": {**original["company"], "name": "假冒名称", "county": "x"}}  # type: ignore[dict-item]
    assert (
        await client.post(f"/api/v1/events/{second_event}/registrations", json=forged)
    ).status_code == 201

    rows = (
        await client.get(f"/api/v1/admin/events/{second_event}/registrations", headers=officer)
    ).json()
    assert rows[0]["company"]["name"] == "焦作企业7"
    assert rows[0]["submitted"]["company"]["name"] == "假冒名称"

    company_id = rows[0]["company"]["id"]
    path = f"/api/v1/admin/companies/{company_id}"
    assert (await client.patch(path, json={"county": "温县"})).status_code == 401
    fixed = await client.patch(path, json={"county": "温县"}, headers=officer)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["county"] == "温县" and fixed.json()["name"] == "焦作企业7"
    missing = await client.patch("/api/v1/admin/companies/999999", json={}, headers=officer)
    assert missing.status_code == 404
