"""The officers' event desk at /admin/events/{id}/desk: registrants by name in queue order,
check-in by code and by a click, cancel on behalf (the waitlist moves up), exports safe
against formula injection, the sign-in sheet; officers only, CSRF on every write."""

from __future__ import annotations

import asyncio
import html
import io
import os
import random
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from openpyxl import load_workbook
from sqlalchemy import select

from api.app import create_app
from core.db import write_transaction
from core.officers import create_officer
from events.models import Registration
from events.registration import register
from events.schemas import EventIn, RegistrationIn
from events.service import create_event
from policydesk.runtime import Runtime, initialise, open_runtime
from tests.conftest import make_settings
from tests.events.factories import make_credit_code
from tests.web.conftest import CachingEmbedder, csrf_of, login_as

# 09:30 China time on a day far ahead: registration stays open whenever the test runs.
STARTS_AT = datetime(2099, 5, 1, 1, 30, tzinfo=UTC)
SHOWN_START = "2099-05-01 09:30"
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'


async def _event(
    client: httpx.AsyncClient, officer: dict[str, str], *, capacity: int, kind: str = "training"
) -> int:
    body = {
        "kind": kind,
        "title": "专利质押融资<对接会>",
        "place": "市民中心三楼",
        "starts_at": STARTS_AT.isoformat(),
        "capacity": capacity,
        "status": "published",
    }
    response = await client.post("/api/v1/admin/events", json=body, headers=officer)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _form(n: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "company": {"name": name, "credit_code": make_credit_code(random.Random(n))},
        "contact": {"name": f"联系人{n}", "phone": f"138{n:08d}"},
        **extra,
    }


async def _web_sign_up(client: httpx.AsyncClient, event_id: int, n: int, name: str) -> Any:
    """A sign-up as the web page's 活动报名 tab sends it (the public API, saying it is the
    web page)."""
    response = await client.post(
        f"/api/v1/events/{event_id}/registrations",
        json=_form(n, name),
        headers={"X-Policydesk-Client": "web"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _registration(runtime: Runtime, registration_id: int) -> Registration:
    async with runtime.sessions() as session:
        found = await session.get(Registration, registration_id)
        assert found is not None
        return found


async def _desk(client: httpx.AsyncClient, event_id: int) -> str:
    page = await client.get(f"/admin/events/{event_id}/desk")
    assert page.status_code == 200, page.text
    return page.text


def _row(page: str, registration_id: int) -> str:
    """The text of a registrant's row in the desk's table."""
    table = page[page.index('id="registrants"') :]
    match = re.search(rf'<tr data-registration="{registration_id}"[^>]*>(.*?)</tr>', table, re.S)
    assert match, f"no row for registration {registration_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def _figure(page: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}">[^<]*<b>(\d+)</b>', page)
    assert match, name
    return int(match.group(1))


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of((await client.get("/admin/")).text)
    return await client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
async def full_event(
    client: httpx.AsyncClient, web_runtime: Runtime, officer_headers: dict[str, str]
) -> tuple[int, dict[str, Any], dict[str, Any], int]:
    """One seat: a web sign-up holds it, a Telegram sign-up waits; the officer logged in.
    The event id, the two sign-ups (as the API returned them) and the Telegram one's id."""
    event_id = await _event(client, officer_headers, capacity=1)
    first = await _web_sign_up(client, event_id, 1, "<b>焦作</b>精工机械有限公司")
    second = await _web_sign_up(client, event_id, 2, "修武县恒达新材料有限公司")
    form = RegistrationIn.model_validate(_form(3, "博爱县云台食品有限公司"))
    via_bot = await register(web_runtime.sessions, event_id, form, channel="telegram", chat_id=77)
    await login_as(client, web_runtime, "officer")
    return event_id, first, second, via_bot.registration.id


async def test_desk_lists_registrants_by_name_in_queue_order_with_the_counts(
    client: httpx.AsyncClient, full_event: tuple[int, dict[str, Any], dict[str, Any], int]
) -> None:
    event_id, first, second, bot_id = full_event
    page = await _desk(client, event_id)
    assert "专利质押融资&lt;对接会&gt; · 签到台" in page
    assert SHOWN_START in page and "北京时间" in page  # the office's clock, not UTC
    assert (_figure(page, "capacity"), _figure(page, "seated")) == (1, 1)
    assert (_figure(page, "seats_left"), _figure(page, "waitlisted")) == (0, 2)

    row = _row(page, first["id"])
    assert "<b>焦作</b>精工机械有限公司" in row  # the company's own name, escaped
    assert "<b>焦作</b>" not in page
    assert all(text in row for text in ("联系人1", "13800000001", "已确认", "网页"))
    assert "api" not in row and "confirmed" not in row and first["checkin_code"] in row
    assert "候补中（第 1 位）" in _row(page, second["id"])
    telegram = _row(page, bot_id)
    assert "候补中（第 2 位）" in telegram and "Telegram 机器人" in telegram
    order = [int(i) for i in re.findall(r'<tr data-registration="(\d+)"', page)]
    assert order[:3] == [first["id"], second["id"], bot_id]  # queue order
    waitlist = page[page.index('id="waitlist"') :]
    assert waitlist.index("修武县恒达") < waitlist.index("博爱县云台") and "第 2 位" in waitlist


async def test_matchmaking_desk_shows_the_financing_need(
    client: httpx.AsyncClient, web_runtime: Runtime, officer_headers: dict[str, str]
) -> None:
    event_id = await _event(client, officer_headers, capacity=5, kind="financing_matchmaking")
    need = {"amount_wan": "500.00", "patents": ["ZL 2017 1 0601862.3"], "purpose": "扩大产能"}
    response = await client.post(
        f"/api/v1/events/{event_id}/registrations",
        json=_form(4, "武陟县华润纸业有限公司", financing_need=need),
    )
    assert response.status_code == 201, response.text
    await login_as(client, web_runtime, "officer")
    page = await _desk(client, event_id)
    assert "<th>融资需求</th>" in page
    row = _row(page, response.json()["id"])
    assert (
        "500万元" in row and "ZL201710601862.3" in row.replace(" ", "") and "用途：扩大产能" in row
    )
    # Sent by another API client (no X-Policydesk-Client: web): not labelled as the web page.
    assert "接口（API）" in row and "网页" not in row


async def test_check_in_by_code_says_who_and_refuses_unknown_and_waitlisted_codes(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    full_event: tuple[int, dict[str, Any], dict[str, Any], int],
) -> None:
    event_id, first, second, _ = full_event
    path = f"/admin/events/{event_id}/desk/checkin"
    typed = " " + first["checkin_code"].lower() + " "  # as an officer may type it
    done = await _post(client, path, {"code": typed})
    assert done.status_code == 303
    page = (await client.get(done.headers["location"])).text
    assert "已签到：<b>焦作</b>精工机械有限公司" in html.unescape(page)
    assert "已签到" in _row(page, first["id"]) and _figure(page, "attended") == 1
    registration = await _registration(web_runtime, first["id"])
    assert registration.status == "attended" and registration.checked_in_at is not None

    again = await _post(client, path, {"code": first["checkin_code"]})
    assert "此前已签到" in (await client.get(again.headers["location"])).text

    # The API shows a waitlisted company no code; one typed from elsewhere is refused.
    assert second["checkin_code"] is None
    waiting_code = (await _registration(web_runtime, second["id"])).checkin_code
    for code, problem in (
        ("ZZZZ9999", "没有找到这个签到码的报名"),
        (waiting_code, "该报名未确认（候补中或已取消），不能签到"),
        ("ab", "请输入 4–12 位签到码"),
    ):
        refused = await _post(client, path, {"code": code})
        assert refused.status_code == 303
        shown = (await client.get(refused.headers["location"])).text
        assert problem in shown, code
    assert (await _registration(web_runtime, second["id"])).status == "waitlisted"


async def test_check_in_by_a_click_on_the_row(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    officer_headers: dict[str, str],
    full_event: tuple[int, dict[str, Any], dict[str, Any], int],
) -> None:
    event_id, first, _, _ = full_event
    page = await _desk(client, event_id)
    action = f"/admin/events/{event_id}/desk/registrations/{first['id']}/checkin"
    assert action in page  # the row's 签到 button
    done = await _post(client, action, {})
    assert done.status_code == 303 and f"checked={first['id']}" in done.headers["location"]
    assert (await _registration(web_runtime, first["id"])).status == "attended"
    # A registration of another event is not this desk's to check in.
    other = await _event(client, officer_headers, capacity=3)
    wrong = await _post(
        client, f"/admin/events/{other}/desk/registrations/{first['id']}/checkin", {}
    )
    assert wrong.status_code == 404


async def test_cancel_on_behalf_asks_first_then_promotes_the_waitlist(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    full_event: tuple[int, dict[str, Any], dict[str, Any], int],
) -> None:
    event_id, first, second, bot_id = full_event
    path = f"/admin/events/{event_id}/desk/registrations/{first['id']}/cancel"
    ask = await client.get(path)
    assert ask.status_code == 200 and "确认取消报名" in ask.text
    assert (await _registration(web_runtime, first["id"])).status == "confirmed"  # not yet

    done = await _post(client, path, {})
    assert done.status_code == 303
    page = (await client.get(done.headers["location"])).text
    cancelled = await _registration(web_runtime, first["id"])
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "office")
    assert (await _registration(web_runtime, second["id"])).status == "confirmed"
    assert (await _registration(web_runtime, bot_id)).status == "waitlisted"
    notice = html.unescape(page[page.index('id="desk-cancelled"') :].split("</div>")[0])
    assert (
        "<b>焦作</b>精工机械有限公司" in notice
        and "候补递补为已确认：修武县恒达新材料有限公司" in notice
    )
    assert "已确认" in _row(page, second["id"]) and "候补中（第 1 位）" in _row(page, bot_id)
    assert (_figure(page, "waitlisted"), _figure(page, "cancelled")) == (1, 1)
    assert "/cancel" not in _row(page, first["id"])  # nothing left to cancel

    # An attended registration cannot be cancelled: said on the page, nothing changes.
    promoted_code = (await _registration(web_runtime, second["id"])).checkin_code
    await _post(client, f"/admin/events/{event_id}/desk/checkin", {"code": promoted_code})
    refused = await _post(
        client, f"/admin/events/{event_id}/desk/registrations/{second['id']}/cancel", {}
    )
    assert refused.status_code == 409 and "已签到的报名不能取消" in refused.text
    assert (await _registration(web_runtime, second["id"])).status == "attended"


async def test_exports_neutralise_formulas(
    client: httpx.AsyncClient, web_runtime: Runtime, officer_headers: dict[str, str]
) -> None:
    event_id = await _event(client, officer_headers, capacity=5)
    await _web_sign_up(client, event_id, 5, FORMULA_NAME)
    await _web_sign_up(client, event_id, 6, "温县太极拳文化有限公司")
    await login_as(client, web_runtime, "officer")
    page = await _desk(client, event_id)
    assert f"/admin/events/{event_id}/desk/registrations.csv" in page

    csv = await client.get(f"/admin/events/{event_id}/desk/registrations.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff") and "温县太极拳文化有限公司" in text
    assert '"\'=HYPERLINK(""http://evil.example"",""点我"")"' in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text

    xlsx = await client.get(f"/admin/events/{event_id}/desk/registrations.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    names = [sheet.cell(row=r, column=3) for r in range(2, sheet.max_row + 1)]
    assert [c.value for c in names] == ["'" + FORMULA_NAME, "温县太极拳文化有限公司"]
    assert all(c.data_type == "s" for c in names)  # text, never a formula


async def test_sign_in_sheet_lists_seated_companies_for_printing(
    client: httpx.AsyncClient, full_event: tuple[int, dict[str, Any], dict[str, Any], int]
) -> None:
    event_id, first, _, _ = full_event
    sheet = await client.get(f"/admin/events/{event_id}/desk/sheet")
    assert sheet.status_code == 200
    body = sheet.text
    assert "@media print" in body and "签到表" in body and SHOWN_START in body
    assert "&lt;b&gt;焦作&lt;/b&gt;精工机械有限公司" in body and "138****0001" in body
    assert "修武县恒达" not in body  # waitlisted: not expected at the door
    assert first["checkin_code"] not in body  # the code checks a company in; not printed


async def test_scan_page_reads_qr_codes_in_the_browser_and_falls_back_to_typing(
    client: httpx.AsyncClient, full_event: tuple[int, dict[str, Any], dict[str, Any], int]
) -> None:
    event_id, first, _, _ = full_event
    scan = await client.get(f"/admin/events/{event_id}/desk/scan")
    assert scan.status_code == 200
    assert "BarcodeDetector" in scan.text and 'name="back" value="scan"' in scan.text
    assert "<script src=" not in scan.text.replace("/admin/statics/", "")  # nothing fetched
    done = await _post(
        client,
        f"/admin/events/{event_id}/desk/checkin",
        {"code": first["checkin_code"], "back": "scan"},
    )
    assert done.headers["location"].split("?")[0].endswith(f"/admin/events/{event_id}/desk/scan")


async def test_events_list_and_event_page_link_to_the_desk(
    client: httpx.AsyncClient, full_event: tuple[int, dict[str, Any], dict[str, Any], int]
) -> None:
    event_id = full_event[0]
    desk = f"/admin/events/{event_id}/desk"
    assert desk in (await client.get("/admin/events")).text
    assert desk in (await client.get(f"/admin/events/{event_id}")).text
    assert (await client.get("/admin/events/999999/desk")).status_code == 404


async def test_desk_is_for_logged_in_officers_and_writes_need_csrf_and_our_origin(
    client: httpx.AsyncClient, web_runtime: Runtime, officer_headers: dict[str, str]
) -> None:
    event_id = await _event(client, officer_headers, capacity=2)
    signed = await _web_sign_up(client, event_id, 7, "孟州市桑坡皮业有限公司")
    base = f"/admin/events/{event_id}/desk"
    row = f"{base}/registrations/{signed['id']}"
    reads = (
        base,
        f"{base}/scan",
        f"{base}/sheet",
        f"{base}/registrations.csv",
        f"{base}/registrations.xlsx",
        f"{row}/cancel",
    )
    writes = (f"{base}/checkin", f"{row}/checkin", f"{row}/cancel")
    for path in reads:
        anonymous = await client.get(path)
        assert anonymous.status_code == 302, path
        assert anonymous.headers["location"].endswith("/admin/login")
    # An API token is not a browser session.
    assert (await client.get(base, headers=officer_headers)).status_code == 302
    for path in writes:
        assert (await client.post(path, data={"code": signed["checkin_code"]})).status_code == 403

    await login_as(client, web_runtime, "officer")
    token = csrf_of((await client.get("/admin/")).text)
    for path in writes:
        without = await client.post(path, data={"code": signed["checkin_code"]})
        assert without.status_code == 403, path
        elsewhere = await client.post(
            path,
            data={"code": signed["checkin_code"], "csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403, path
    assert (await _registration(web_runtime, signed["id"])).status == "confirmed"

    async with web_runtime.sessions() as session:
        statuses = set(await session.scalars(select(Registration.status)))
    assert statuses == {"confirmed"}


# In headless Debian chromium: the officer opens the desk and checks a company in by code.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PASSWORD = "correct horse battery"
WAIT_MS = 90_000  # waiting for the page is not a speed check
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
async def desk_server(
    tmp_path: Path, sqlite_template: Path, cached_embedder: CachingEmbedder
) -> AsyncIterator[tuple[str, int, list[str]]]:
    """The app under uvicorn on loopback with an officer and a full event: its address,
    the event's id and the check-in codes of its two sign-ups (the second waitlisted)."""
    db = tmp_path / "desk.sqlite3"
    shutil.copy(sqlite_template, db)
    runtime = await open_runtime(
        make_settings(tmp_path / "data", f"sqlite+aiosqlite:///{db}"), migrate=False
    )
    runtime.knowledge.embedder = cached_embedder
    await initialise(runtime)
    async with write_transaction(runtime.sessions) as session:
        await create_officer(session, "chen", PASSWORD, "officer")
        event = await create_event(
            session,
            EventIn.model_validate(
                {
                    "kind": "financing_matchmaking",
                    "title": "知识产权质押融资银企对接会",
                    "place": "市民中心三楼",
                    "starts_at": STARTS_AT,
                    "capacity": 1,
                    "status": "published",
                }
            ),
        )
    codes = []
    for n, name in ((8, "焦作市和谐机械制造有限公司"), (9, "沁阳市宏达纸业有限公司")):
        form = RegistrationIn.model_validate(_form(n, name))
        done = await register(runtime.sessions, event.id, form, channel="web")
        codes.append(done.registration.checkin_code)
    uv = uvicorn.Server(
        uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=0, log_level="warning")
    )
    task = asyncio.create_task(uv.serve())
    while not uv.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.05)
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", event.id, codes
    uv.should_exit = True
    await task
    await runtime.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("size", sorted(SIZES))
async def test_officer_checks_in_by_code_in_the_browser(
    desk_server: tuple[str, int, list[str]], size: str, tmp_path: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    base, event_id, (code, waiting_code) = desk_server
    async with playwright_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        context = await chromium.new_context(viewport=SIZES[size], locale="zh-CN")
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        await page.goto(f"{base}/admin/login")
        await page.fill("input[name=username]", "chen")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/admin/")

        await page.goto(f"{base}/admin/events")
        await page.locator(f'tr[data-event="{event_id}"] a.event-desk-link').click()
        await page.wait_for_url(f"{base}/admin/events/{event_id}/desk")
        figures = page.locator("#desk-figures")
        assert "余位0" in (await figures.inner_text()).replace("\n", "").replace(" ", "")
        await page.fill("#checkin-code", code.lower())
        await page.locator("#checkin-form button[type=submit]").click()
        checked = page.locator("#desk-checked")
        await checked.wait_for()
        assert "已签到：焦作市和谐机械制造有限公司" in await checked.inner_text()
        row = page.locator("#registrants tbody tr").first
        assert "已签到" in await row.locator("td.reg-status").inner_text()
        assert "网页" in await row.locator("td.reg-channel").inner_text()
        assert "第 1 位" in await page.locator("#waitlist").inner_text()

        shot = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path)) / f"desk-{size}.png"
        await page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"]  # the page itself never scrolls sideways

        # The scan page: no camera here, so it asks for the code, which checks in too.
        await page.locator("#desk-scan").click()
        await page.locator("#scan-note", has_text="请输入签到码").wait_for()
        await page.fill("#scan-code", waiting_code)
        await page.locator("#scan-form button[type=submit]").click()
        problem = page.locator("#desk-problem")
        await problem.wait_for()  # the second company waits for a seat: refused, and said so
        assert "未确认" in await problem.inner_text()
        assert page.url.split("?")[0].endswith("/desk/scan")

        # The sign-in sheet as printed: the checked-in company marked, no buttons on paper.
        await page.goto(f"{base}/admin/events/{event_id}/desk/sheet")
        await page.emulate_media(media="print")
        assert not await page.locator("#sheet-print").is_visible()
        first = page.locator("#signin-sheet tbody tr").first
        assert "已签到" in await first.locator("td.sign").inner_text()
        await page.screenshot(path=str(shot.with_name(f"desk-sheet-{size}.png")), full_page=True)
        await chromium.close()
