"""The /admin workspace over HTTP: login, roles, CSRF, the open-question page."""

from __future__ import annotations

import re

import httpx
import pytest

from api.admin_ui.views import VIEWS
from policydesk.runtime import Runtime
from tests.web.conftest import (
    OFFICER_PASSWORD,
    add_officer,
    csrf_of,
    login,
    login_as,
    messages_of,
    open_web_chat,
)


async def test_login_requires_the_right_password(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    await add_officer(web_runtime, "zhang", "officer")
    assert (await client.get("/admin/")).status_code in {302, 303, 307}
    assert (await login(client, "zhang", "wrong password!")).status_code == 400
    assert (await client.get("/admin/")).status_code in {302, 303, 307}
    assert (await login(client, "zhang")).status_code == 302
    assert (await client.get("/admin/")).status_code == 200
    cookie = next(c for c in client.cookies.jar if c.name == "policydesk_admin")
    assert cookie.path == "/admin"


async def test_state_changing_forms_need_the_csrf_token(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    await add_officer(web_runtime, "zhang", "officer")
    page = await client.get("/admin/login")
    refused = await client.post(
        "/admin/login", data={"username": "zhang", "password": OFFICER_PASSWORD}
    )
    assert refused.status_code == 403
    wrong = await client.post(
        "/admin/login", data={"username": "zhang", "password": OFFICER_PASSWORD, "csrf_token": "x"}
    )
    assert wrong.status_code == 403
    assert csrf_of(page.text)
    assert (await login(client, "zhang")).status_code == 302
    form = await client.get("/admin/open-questions")
    assert form.status_code == 200
    # The token changes at login, so a token from before the login is no longer good.
    stale = await client.post(
        "/admin/open-questions/1/answer", data={"answer": "x", "csrf_token": csrf_of(page.text)}
    )
    assert stale.status_code == 403


@pytest.mark.parametrize(("role", "allowed"), [("officer", False), ("admin", True)])
async def test_admin_only_views_by_role(
    client: httpx.AsyncClient, web_runtime: Runtime, role: str, allowed: bool
) -> None:
    await add_officer(web_runtime, "zhang", role)
    await login(client, "zhang")
    assert (await client.get("/admin/faq-entry/list")).status_code == 200
    for path in ("/admin/document/list", "/admin/tokens", "/admin/upload"):
        status = (await client.get(path)).status_code
        assert (status == 200) is allowed, (path, status)


async def test_token_works_as_a_browser_login(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    token = officer_headers["Authorization"].removeprefix("Bearer ")
    assert (await login(client, "", token)).status_code == 302
    assert (await client.get("/admin/open-questions")).status_code == 200


async def test_answering_a_group_in_the_browser_reaches_the_web_asker(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    chat = await open_web_chat(client)
    asked = (
        await client.post("/api/v1/web/ask", json={"question": "食堂几点开饭"}, headers=chat)
    ).json()
    await client.post(
        "/api/v1/web/handoff", json={"answer_log_id": asked["answer_log_id"]}, headers=chat
    )
    await add_officer(web_runtime, "zhang", "officer")
    await login(client, "zhang")
    page = await client.get("/admin/open-questions")
    assert "食堂几点开饭" in page.text
    group = re.search(r'data-group="(\d+)"', page.text)
    assert group
    answered = await client.post(
        f"/admin/open-questions/{group.group(1)}/answer",
        data={"answer": "<b>中午十二点</b>", "csrf_token": csrf_of(page.text)},
    )
    assert answered.status_code == 303 and "done=1" in answered.headers["location"]
    messages = await messages_of(client, chat, 1)
    assert "<b>中午十二点</b>" in str(messages[0]["text"])  # stored as text; the page escapes it


async def test_every_table_lists_for_an_admin(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    await login_as(client, web_runtime, "admin")
    for view in VIEWS:
        page = await client.get(f"/admin/{view.identity}/list")
        assert page.status_code == 200, view.identity
        assert view.name_plural in page.text
