"""A send whose response was lost can be sent again: with the same ``Idempotency-Key`` the
sign-up returns the first registration and its secret (not a 409 without one), and the web
chat returns the first answer, recorded once."""

from __future__ import annotations

import random

import httpx
from sqlalchemy import func, select

from events.models import Registration
from knowledge.models import AnswerLog
from policydesk.runtime import Runtime
from tests.events.factories import make_credit_code
from tests.web.conftest import open_web_chat, published_event


async def _event(client: httpx.AsyncClient, officer: dict[str, str]) -> int:
    return await published_event(client, officer, "商标品牌培训")


def _sign_up(n: int) -> dict[str, object]:
    return {
        "company": {
            "name": f"重发企业{n}",
            "credit_code": make_credit_code(random.Random(500 + n)),
        },
        "contact": {"name": "赵工", "phone": f"1360000{n:04d}"},
    }


async def test_a_resent_sign_up_returns_the_first_registration_and_secret(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    event_id = await _event(client, officer_headers)
    path = f"/api/v1/events/{event_id}/registrations"
    key = {"Idempotency-Key": "signup-3f9c2a71"}
    first = await client.post(path, json=_sign_up(1), headers=key)
    assert first.status_code == 201, first.text
    again = await client.post(path, json=_sign_up(1), headers=key)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["secret"]) == (
        first.json()["id"],
        first.json()["secret"],
    )
    lookup = await client.post(
        "/api/v1/registrations/lookup", json={"secret": again.json()["secret"]}
    )
    assert lookup.status_code == 200

    # Without the key the same sign-up is the usual 409; another body under the key too.
    assert (await client.post(path, json=_sign_up(1))).status_code == 409
    other = await client.post(path, json=_sign_up(2), headers=key)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    async with web_runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1

    bad = await client.post(path, json=_sign_up(3), headers={"Idempotency-Key": "short"})
    assert bad.status_code == 422


async def test_a_resent_chat_message_gets_the_first_answer_recorded_once(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    chat = await open_web_chat(client)
    headers = {**chat, "Idempotency-Key": "msg-0001-a7c3"}
    question = {"question": "专利质押融资有什么支持?"}
    first = await client.post("/api/v1/web/ask", json=question, headers=headers)
    again = await client.post("/api/v1/web/ask", json=question, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    async with web_runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerLog)) == 1
    # Another chat cannot read this chat's answer through the key.
    other = {**(await open_web_chat(client)), "Idempotency-Key": "msg-0001-a7c3"}
    elsewhere = await client.post("/api/v1/web/ask", json=question, headers=other)
    assert elsewhere.status_code == 409
