"""Admin UI sessions live on the server: logout, deactivation and a new password end them,
so a copy of the cookie taken before is worth nothing afterwards."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from api.limits import MemoryRateStore
from core.admin_sessions import AdminSession
from core.officers import set_officer_active, set_officer_password
from policydesk.runtime import Runtime
from tests.web.admin_apps import admin_app, browser
from tests.web.conftest import add_officer, login

NEW_PASSWORD = "a brand new passphrase"


def copied_cookie(client: httpx.AsyncClient) -> str:
    value = client.cookies.get("policydesk_admin")
    assert value, "not logged in"
    return value


async def replay(client: httpx.AsyncClient, cookie: str) -> httpx.Response:
    """Open the workspace with nothing but a copied cookie."""
    client.cookies.clear()
    return await client.get("/admin/", headers={"Cookie": f"policydesk_admin={cookie}"})


async def test_a_cookie_copied_before_logout_is_refused_after_it(light_runtime: Runtime) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, MemoryRateStore()) as app,
        browser(app) as officer,
        browser(app) as thief,
    ):
        assert (await login(officer, "zhang")).status_code == 302
        cookie = copied_cookie(officer)
        assert (await replay(thief, cookie)).status_code == 200  # the copy works...
        await officer.get("/admin/logout")
        refused = await replay(thief, cookie)  # ...until the officer logs out
        assert refused.status_code == 302
        assert refused.headers["location"].endswith("/admin/login")
    async with light_runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AdminSession)) == 0


async def test_a_new_password_ends_that_officers_sessions_only(light_runtime: Runtime) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    await add_officer(light_runtime, "li", "officer")
    async with (
        admin_app(light_runtime, MemoryRateStore()) as app,
        browser(app) as office,
        browser(app) as home,
        browser(app) as colleague,
    ):
        for client, name in ((office, "zhang"), (home, "zhang"), (colleague, "li")):
            assert (await login(client, name)).status_code == 302
        async with light_runtime.sessions() as session:
            await set_officer_password(session, "zhang", NEW_PASSWORD)
            await session.commit()
        assert (await office.get("/admin/")).status_code == 302
        assert (await home.get("/admin/")).status_code == 302
        assert (await colleague.get("/admin/")).status_code == 200
        assert (await login(office, "zhang")).status_code == 400  # the old password
        assert (await login(office, "zhang", NEW_PASSWORD)).status_code == 302
        assert (await office.get("/admin/")).status_code == 200


async def test_deactivating_an_officer_ends_their_sessions(light_runtime: Runtime) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with admin_app(light_runtime, MemoryRateStore()) as app, browser(app) as officer:
        assert (await login(officer, "zhang")).status_code == 302
        async with light_runtime.sessions() as session:
            await set_officer_active(session, "zhang", False)
            await session.commit()
        assert (await officer.get("/admin/")).status_code == 302
        async with light_runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(AdminSession)) == 0
            # Active again, the officer logs in afresh; the old session stays ended.
            await set_officer_active(session, "zhang", True)
            await session.commit()
        assert (await officer.get("/admin/")).status_code == 302
        assert (await login(officer, "zhang")).status_code == 302
        assert (await officer.get("/admin/")).status_code == 200
