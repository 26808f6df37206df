"""Requests say exactly what they mean: counts are numbers, yes/no is true or false, ids in
paths are plain digits, text is stripped before it is required, and control characters
are refused at the edge (PostgreSQL refuses NUL in text; it used to be a 500)."""

from __future__ import annotations

import random

import httpx
import pytest
from sqlalchemy import select

from events.models import Company
from policydesk.runtime import Runtime
from tests.events.factories import make_credit_code
from tests.web.conftest import open_web_chat, published_event


async def _event(client: httpx.AsyncClient, officer: dict[str, str]) -> int:
    return await published_event(client, officer, "专利导航培训")


def _sign_up(n: int, **company: object) -> dict[str, object]:
    return {
        "company": {
            "name": f"严格企业{n}",
            "credit_code": make_credit_code(random.Random(1000 + n)),
            **company,
        },
        "contact": {"name": "李工", "phone": f"1370000{n:04d}"},
    }


async def test_numbers_and_yes_no_in_text_form_are_refused(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    event_id = await _event(client, officer_headers)
    path = f"/api/v1/events/{event_id}/registrations"
    for body, field in [
        ({**_sign_up(1), "seats": "2"}, "seats"),
        ({**_sign_up(2), "seats": 2.0}, "seats"),
        (_sign_up(3, invention_patents="5"), "invention_patents"),
        (_sign_up(4, above_designated_size="yes"), "above_designated_size"),
    ]:
        response = await client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in str(response.json()["detail"])
    chat = await open_web_chat(client)
    vote = {"answer_log_id": True, "helpful": True}
    assert (await client.post("/api/v1/web/feedback", json=vote, headers=chat)).status_code == 422
    vote = {"answer_log_id": 1, "helpful": 1}
    assert (await client.post("/api/v1/web/feedback", json=vote, headers=chat)).status_code == 422


async def test_ids_in_paths_are_plain_digits(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    event_id = await _event(client, officer_headers)
    assert (await client.get(f"/api/v1/events/{event_id}")).status_code == 200
    for bad in (f"{event_id}.0", f"+{event_id}", "-1", "0", "abc", str(2**31), str(2**63)):
        assert (await client.get(f"/api/v1/events/{bad}")).status_code == 404, bad
    for path in ("/api/v1/admin/campaigns/2147483648", "/api/v1/admin/faq/1.0"):
        assert (await client.get(path, headers=officer_headers)).status_code == 404, path


async def test_blank_text_is_not_given_and_blank_required_text_is_refused(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    event_id = await _event(client, officer_headers)
    signed = await client.post(
        f"/api/v1/events/{event_id}/registrations", json=_sign_up(5, county="   ", industry="")
    )
    assert signed.status_code == 201, signed.text
    async with web_runtime.sessions() as session:
        company = await session.scalar(select(Company).where(Company.name == "严格企业5"))
        assert company is not None and (company.county, company.industry) == (None, None)
    blank_name = await client.post(
        f"/api/v1/events/{event_id}/registrations",
        json=_sign_up(6) | {"contact": {"name": " ", "phone": "13700000006"}},
    )
    assert blank_name.status_code == 422
    assert (await client.post("/api/v1/ask", json={"question": "   "})).status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/api/v1/ask", {"json": {"question": "专利\u0000资助"}}),
        ("GET", "/api/v1/admin/faq", {"params": {"q": "a\x00b"}}),
        ("POST", "/api/v1/admin/tokens", {"json": {"role": "officer", "name": "x\u0000"}}),
        ("POST", "/api/v1/admin/tokens", {"json": {"role": "officer", "name": "x\u001b[31m"}}),
    ],
)
async def test_control_characters_are_refused_at_the_edge(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    kwargs: dict[str, object],
) -> None:
    response = await client.request(method, path, headers=admin_headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"
    # Text with tabs and line breaks is still text.
    ok = await client.post("/api/v1/ask", json={"question": "专利\t资助\n多少钱?"})
    assert ok.status_code == 200


async def test_nul_in_a_sign_up_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    event_id = await _event(client, officer_headers)
    for company in ({"county": "解放\u0000区"}, {"industry": "\u0000"}, {"name": "a\u0000b"}):
        body = _sign_up(7)
        body["company"] = {**body["company"], **company}  # type: ignore[dict-item]
        response = await client.post(f"/api/v1/events/{event_id}/registrations", json=body)
        assert response.status_code == 422, response.text
    async with web_runtime.sessions() as session:
        assert list(await session.scalars(select(Company))) == []
