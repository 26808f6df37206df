"""The admin UI takes forms only from its own origin and builds its login form from the
configured public URL, never from the request's Host header."""

from __future__ import annotations

import re

import httpx
import pytest

from api.admin_ui.origin import origin_of
from api.limits import MemoryRateStore
from policydesk.runtime import Runtime
from tests.web.admin_apps import admin_app, browser
from tests.web.conftest import OFFICER_PASSWORD, add_officer, csrf_of

PUBLIC = "https://policy.example.gov.cn"


def form_action(html: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]*)"', html)
    assert match, "no form on the page"
    return match.group(1)


async def post_login(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    """The right credentials and the session's CSRF token, with ``headers``."""
    page = await client.get("/admin/login")
    form = {"username": "zhang", "password": OFFICER_PASSWORD, "csrf_token": csrf_of(page.text)}
    return await client.post("/admin/login", data=form, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "http://test.evil.example", "Referer": "http://test/admin/login"},
    ],
)
async def test_a_cross_origin_post_is_refused_even_with_the_csrf_token(
    light_runtime: Runtime, headers: dict[str, str]
) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with admin_app(light_runtime, MemoryRateStore()) as app, browser(app) as officer:
        refused = await post_login(officer, headers)
        assert refused.status_code == 403
        assert "其他网站" in refused.text and "another site" in refused.text
        assert (await officer.get("/admin/")).status_code == 302  # not logged in


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://test"},
        {"Referer": "http://test/admin/login"},
        {},  # neither: not a browser (see api.admin_ui.origin); the CSRF token still counts
    ],
)
async def test_a_same_origin_post_goes_through(
    light_runtime: Runtime, headers: dict[str, str]
) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with admin_app(light_runtime, MemoryRateStore()) as app, browser(app) as officer:
        assert (await post_login(officer, headers)).status_code == 302


async def test_with_a_public_url_only_its_origin_may_post(light_runtime: Runtime) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, MemoryRateStore(), public_url=PUBLIC) as app,
        browser(app) as officer,
    ):
        # The address the request came to is not the public one.
        assert (await post_login(officer, {"Origin": "http://test"})).status_code == 403
        accepted = await post_login(officer, {"Origin": PUBLIC})
        assert accepted.status_code == 302
        assert accepted.headers["location"] == f"{PUBLIC}/admin/"


async def test_the_login_form_never_posts_to_the_host_header(light_runtime: Runtime) -> None:
    evil = {"Host": "evil.example"}
    async with admin_app(light_runtime, MemoryRateStore()) as app, browser(app) as client:
        page = await client.get("/admin/login", headers=evil)
        assert form_action(page.text) == "/admin/login"
    async with (
        admin_app(light_runtime, MemoryRateStore(), public_url=PUBLIC) as app,
        browser(app) as client,
    ):
        page = await client.get("/admin/login", headers=evil)
        assert form_action(page.text) == f"{PUBLIC}/admin/login"
        assert "evil.example" not in page.text


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Policy.Example:443/admin/login?x=1", "https://policy.example"),
        ("http://127.0.0.1:8000/admin", "http://127.0.0.1:8000"),
        ("http://[::1]:80/", "http://[::1]"),
        ("null", None),
        ("javascript:alert(1)", None),
        ("https://host:99999/", None),
    ],
)
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin
