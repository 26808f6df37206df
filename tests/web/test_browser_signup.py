"""The 活动报名 tab in headless Debian chromium, at phone and desktop size (issue 16, items
11-14): each complaint next to its field in plain words, phone numbers as people write
them, the outcome of a sign-up (seats, waitlist place, check-in code and QR image), "我的报名"
with cancel, and the financing questions at matchmaking events.

The browser runs in Los Angeles time: the page must still show the office's (China) time.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from core.db import utcnow
from events.models import Contact, EventKind, EventStatus, Registration
from events.schemas import EventIn
from events.service import create_event
from policydesk.runtime import Runtime
from tests.events.factories import make_credit_code
from tests.web import test_browser
from tests.web.conftest import COMPANIES

# The app under uvicorn and Debian's chromium, as the other browser tests start them.
server = test_browser.server
browser = test_browser.browser
PHONE, DESKTOP, WAIT_MS = test_browser.PHONE, test_browser.DESKTOP, test_browser.WAIT_MS

pytestmark = test_browser.pytestmark
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
OFFICE = ZoneInfo("Asia/Shanghai")
GREEN = "rgb(46, 125, 50)"
(CODE_A, PHONE_A), (CODE_B, PHONE_B) = COMPANIES


def shown(moment: datetime) -> str:
    """How the page should show a stored (UTC) time: on the office's clock."""
    return moment.astimezone(OFFICE).strftime("%Y-%m-%d %H:%M")


async def add_event(
    runtime: Runtime,
    title: str,
    *,
    kind: EventKind = EventKind.TRAINING,
    capacity: int = 30,
    starts_at: datetime | None = None,
    deadline: datetime | None = None,
) -> int:
    async with runtime.sessions() as session:
        event = await create_event(
            session,
            EventIn(
                kind=kind,
                title=title,
                place="市知识产权局三楼",
                starts_at=starts_at or utcnow() + timedelta(days=7),
                registration_deadline=deadline,
                capacity=capacity,
                status=EventStatus.PUBLISHED,
            ),
        )
        await session.commit()
        return event.id


async def events_page(browser: object, base: str, viewport: dict[str, int]) -> object:
    """The page at ``viewport`` size, on the 活动报名 tab."""
    context = await browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="America/Los_Angeles"
    )
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{base}/chat")
    await page.locator(".msg.welcome").wait_for()
    await page.click("#tab-events")
    return page


async def open_form(page: object, title: str) -> object:
    card = page.locator(".event", has_text=title)
    await card.locator(".open-signup").click()
    await card.locator("form.signup").wait_for()
    return card


async def fill(card: object, code: str, phone: str, contact: str = "王伟") -> None:
    await card.locator("input[name=company]").fill("焦作示例科技有限公司")
    await card.locator("input[name=credit_code]").fill(code)
    await card.locator("input[name=contact]").fill(contact)
    await card.locator("input[name=phone]").fill(phone)


def error_of(card: object, name: str) -> object:
    return card.locator(f".field:has([name={name}]) .field-error")


async def assert_next_to_its_field(card: object, name: str) -> None:
    """The complaint sits right under its own field, aligned with it."""
    field = await card.locator(f"[name={name}]").bounding_box()
    error = await error_of(card, name).bounding_box()
    assert field is not None and error is not None
    assert 0 <= error["y"] - (field["y"] + field["height"]) <= 24
    assert abs(error["x"] - field["x"]) <= 2


async def assert_no_sideways_scroll(page: object, viewport: dict[str, int]) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


async def screenshot(page: object, tmp_path: Path, name: str) -> None:
    shots = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path))
    await page.screenshot(path=str(shots / name), full_page=True)


async def qr_loaded(image: object) -> int:
    """The QR image's width in pixels once the browser has decoded it (0: broken)."""
    await image.and_(image.page.locator("[src^='blob:']")).wait_for()
    return int(await image.evaluate("img => img.decode().then(() => img.naturalWidth)"))


@SIZES
async def test_errors_stand_next_to_their_field_in_plain_words(
    server: tuple[str, Runtime], browser: object, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Item 11."""
    base, runtime = server
    await add_event(runtime, "专利导航培训班")
    page = await events_page(browser, base, viewport)
    card = await open_form(page, "专利导航培训班")
    await fill(card, CODE_A[:17], "138 0013 80", contact="")
    await card.locator("form button[type=submit]").click()

    await error_of(card, "phone").wait_for()
    assert await error_of(card, "phone").inner_text() == "请输入11位手机号"
    assert await error_of(card, "credit_code").inner_text() == (
        "统一社会信用代码应为18位，您输入了17位"
    )
    assert await error_of(card, "contact").inner_text() == "请输入联系人姓名（最多60个字）"
    assert not await error_of(card, "company").is_visible()
    for name in ("phone", "credit_code", "contact"):
        await assert_next_to_its_field(card, name)
        assert await card.locator(f"[name={name}]").get_attribute("aria-invalid") == "true"
    text = await card.inner_text()
    assert "Value error" not in text and "phone:" not in text and "(" not in text
    await assert_no_sideways_scroll(page, viewport)
    await screenshot(page, tmp_path, f"signup-errors-{viewport['width']}.png")

    # Fixing the phone takes its complaint away; the others stay until their field changes.
    await card.locator("input[name=phone]").fill("13800138000")
    assert not await error_of(card, "phone").is_visible()
    assert await card.locator("input[name=phone]").get_attribute("aria-invalid") is None
    assert await error_of(card, "credit_code").is_visible()

    # A check digit that does not match: the same field, a different plain sentence.
    await card.locator("input[name=credit_code]").fill(CODE_A[:17] + "B")
    await card.locator("input[name=contact]").fill("王伟")
    await card.locator("form button[type=submit]").click()
    await error_of(card, "credit_code").wait_for()
    assert "校验位" in await error_of(card, "credit_code").inner_text()
    assert not await error_of(card, "contact").is_visible()
    assert not await error_of(card, "phone").is_visible()

    await card.locator("input[name=credit_code]").fill(CODE_A)
    await card.locator("form button[type=submit]").click()
    await card.locator(".signup-outcome").wait_for()
    assert await card.locator(".field-error:visible").count() == 0

    # The second language says it in English.
    await page.click("#lang")
    await add_event(runtime, "Patent drafting workshop")
    await page.click("#tab-chat")
    await page.click("#tab-events")
    english = await open_form(page, "Patent drafting workshop")
    await fill(english, CODE_B, "12345")
    await english.locator("form button[type=submit]").click()
    await error_of(english, "phone").wait_for()
    assert await error_of(english, "phone").inner_text() == "Enter an 11-digit mobile number"


@SIZES
async def test_phone_numbers_as_people_write_them(
    server: tuple[str, Runtime], browser: object, viewport: dict[str, int]
) -> None:
    """Item 12: nothing cuts "138 0013 8000"; spaces, dashes and +86 are read as the API does."""
    base, runtime = server
    await add_event(runtime, "专利导航培训班")
    page = await events_page(browser, base, viewport)
    card = await open_form(page, "专利导航培训班")
    phone = card.locator("input[name=phone]")
    await phone.press_sequentially("138 0013 8000")  # typed, as a person would
    assert await phone.input_value() == "138 0013 8000"
    await phone.fill("")
    await phone.press_sequentially("+86 138-0013-8000")
    assert await phone.input_value() == "+86 138-0013-8000"
    assert await phone.get_attribute("type") == "tel"

    await fill(card, CODE_A, "+86 138-0013-8000")
    await card.locator("form button[type=submit]").click()
    await card.locator(".signup-outcome.confirmed").wait_for()
    async with runtime.sessions() as session:
        stored = await session.scalar(select(Contact.phone).join(Registration))
    assert stored == "13800138000"


@SIZES
async def test_confirmed_sign_up_shows_qr_updates_seats_and_can_be_cancelled(
    server: tuple[str, Runtime], browser: object, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Item 13, the confirmed path and 我的报名."""
    base, runtime = server
    await add_event(runtime, "专利导航培训班", capacity=1)
    page = await events_page(browser, base, viewport)
    assert not await page.locator("#my-signups").is_visible()  # nothing signed up yet
    seats = page.locator(".event", has_text="专利导航培训班").locator(".seats")
    assert await seats.inner_text() == "余位 1 / 共 1 席"
    card = await open_form(page, "专利导航培训班")
    await fill(card, CODE_A, PHONE_A)
    await card.locator("form button[type=submit]").click()

    outcome = card.locator(".signup-outcome")
    await outcome.wait_for()
    assert await outcome.locator(".done").inner_text() == "报名成功"
    assert await outcome.locator(".done").evaluate("n => getComputedStyle(n).color") == GREEN
    async with runtime.sessions() as session:
        code = await session.scalar(select(Registration.checkin_code))
    assert code and code in await outcome.locator(".code").inner_text()
    assert await qr_loaded(outcome.locator("img.qr")) > 100
    # The seat is taken: the card says so without a reload.
    await page.locator(".seats", has_text="名额已满").wait_for()
    assert await seats.inner_text() == "名额已满，可报名候补（已有 0 家候补）"

    mine = page.locator("#my-signups .my-signup", has_text="专利导航培训班")
    await mine.locator(".status.confirmed").wait_for()
    assert await mine.locator(".status").inner_text() == "已确认"
    assert code in await mine.locator(".code").inner_text()
    await assert_no_sideways_scroll(page, viewport)
    await screenshot(page, tmp_path, f"signup-confirmed-{viewport['width']}.png")

    # Kept in this browser: after a reload it is still listed, status read again.
    await page.reload()
    await page.locator(".msg.welcome").wait_for()
    await page.click("#tab-events")
    await mine.locator(".status.confirmed").wait_for()
    assert await qr_loaded(mine.locator("img.qr")) > 100

    await mine.locator("button.cancel").click()
    assert await mine.locator("button.cancel").inner_text() == "确认取消？再点一次"
    assert await mine.locator(".status.confirmed").count() == 1  # one tap cancels nothing
    await mine.locator("button.cancel").click()
    await mine.locator(".status.cancelled").wait_for()
    assert await mine.locator(".status").inner_text() == "已取消"
    assert await mine.locator("img.qr, .code, button.cancel").count() == 0
    await page.locator(".seats", has_text="余位 1").wait_for()  # the seat is free again
    async with runtime.sessions() as session:
        assert await session.scalar(select(Registration.status)) == "cancelled"


@SIZES
async def test_waitlisted_sign_up_says_so_with_its_place_and_no_code(
    server: tuple[str, Runtime], browser: object, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Item 13, the waitlist: amber, its place in line, no check-in code until confirmed."""
    base, runtime = server
    event_id = await add_event(runtime, "银企对接培训", capacity=1)
    async with httpx.AsyncClient(base_url=base) as client:
        taken = await client.post(
            f"/api/v1/events/{event_id}/registrations",
            json={
                "company": {"name": "先报名的公司", "credit_code": CODE_A},
                "contact": {"name": "李强", "phone": PHONE_A},
            },
        )
    assert taken.status_code == 201
    page = await events_page(browser, base, viewport)
    card = await open_form(page, "银企对接培训")
    await fill(card, CODE_B, PHONE_B)
    await card.locator("form button[type=submit]").click()

    outcome = card.locator(".signup-outcome")
    await outcome.wait_for()
    done = outcome.locator(".done")
    assert await done.inner_text() == "名额已满，已进入候补名单，排第1位"
    assert await done.evaluate("n => getComputedStyle(n).color") != GREEN
    assert "waitlisted" in (await outcome.get_attribute("class") or "")
    async with runtime.sessions() as session:
        mine_code = await session.scalar(
            select(Registration.checkin_code).where(Registration.status == "waitlisted")
        )
    assert mine_code and mine_code not in await page.locator("#events").inner_text()
    assert await page.locator("#events img.qr, #events .code").count() == 0
    assert "签到码：" not in await outcome.inner_text()
    await page.locator(".seats", has_text="已有 1 家候补").wait_for()
    mine = page.locator("#my-signups .my-signup", has_text="银企对接培训")
    await mine.locator(".status.waitlisted").wait_for()
    assert await mine.locator(".status").inner_text() == "候补第1位"
    await assert_no_sideways_scroll(page, viewport)
    await screenshot(page, tmp_path, f"signup-waitlisted-{viewport['width']}.png")

    # The first company cancels: this one moves up and, on return, has its code and QR.
    async with httpx.AsyncClient(base_url=base) as client:
        cancel = await client.post(
            "/api/v1/registrations/cancel", json={"secret": taken.json()["secret"]}
        )
    assert cancel.status_code == 200
    await page.click("#tab-chat")
    await page.click("#tab-events")
    await mine.locator(".status.confirmed").wait_for()
    assert mine_code in await mine.locator(".code").inner_text()
    assert await qr_loaded(mine.locator("img.qr")) > 100


@SIZES
async def test_matchmaking_asks_financing_and_cards_show_kind_and_deadline(
    server: tuple[str, Runtime], browser: object, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Item 14, and every text from the server put in as text."""
    base, runtime = server
    now = utcnow()
    starts = (now + timedelta(days=9)).replace(hour=1, minute=30, second=0, microsecond=0)
    deadline = (now + timedelta(days=6)).replace(hour=16, minute=5, second=0, microsecond=0)
    title = "质押融资银企对接会 <b>第二场</b>"
    await add_event(
        runtime, title, kind=EventKind.FINANCING_MATCHMAKING, starts_at=starts, deadline=deadline
    )
    await add_event(runtime, "专利导航培训班")
    page = await events_page(browser, base, viewport)

    matchmaking = page.locator(".event[data-kind=financing_matchmaking]")
    await matchmaking.wait_for()
    assert await matchmaking.locator("h2").inner_text() == title  # shown, not parsed
    assert await matchmaking.locator("b").count() == 0
    assert await matchmaking.locator(".kind").inner_text() == "银企对接会"
    assert await matchmaking.locator(".deadline").inner_text() == f"报名截止：{shown(deadline)}"
    assert await matchmaking.locator(".starts").inner_text() == f"时间：{shown(starts)}"
    training = page.locator(".event", has_text="专利导航培训班")
    assert await training.locator(".kind").inner_text() == "培训"
    assert "报名截止：" in await training.locator(".deadline").inner_text()

    await training.locator(".open-signup").click()
    assert await training.locator("[name=amount_wan], [name=patents]").count() == 0

    card = await open_form(page, "质押融资银企对接会")
    for name in ("amount_wan", "patents", "purpose"):
        assert await card.locator(f"[name={name}]").is_visible()
    code = make_credit_code(random.Random(7))
    await fill(card, code, "139 0013 9000")
    await card.locator("[name=patents]").fill("ZL 2017 1 0601862.4")  # a wrong check digit
    await card.locator("form button[type=submit]").click()
    await error_of(card, "amount_wan").wait_for()
    assert await error_of(card, "amount_wan").inner_text() == "请输入大于0的金额（万元），例如 500"
    assert await error_of(card, "patents").inner_text() == (
        "第1个专利号“ZL 2017 1 0601862.4”有误，应如 ZL201710601862.3"
    )
    await assert_next_to_its_field(card, "patents")
    await screenshot(page, tmp_path, f"signup-financing-{viewport['width']}.png")

    await card.locator("[name=amount_wan]").fill("500万")
    await card.locator("[name=patents]").fill("ZL 2017 1 0601862.3\nZL201310123456.2")
    await card.locator("[name=purpose]").fill("购置生产设备")
    await card.locator("form button[type=submit]").click()
    await card.locator(".signup-outcome.confirmed").wait_for()
    secret = (await card.locator(".secret").inner_text()).strip()
    async with httpx.AsyncClient(base_url=base) as client:
        kept = (await client.post("/api/v1/registrations/lookup", json={"secret": secret})).json()
    assert kept["financing_need"] == {
        "amount_wan": 500.0,
        "patents": ["ZL201710601862.3", "ZL201310123456.2"],
        "purpose": "购置生产设备",
        "preferred_banks": [],
    }
    mine = page.locator("#my-signups .my-signup")
    await mine.locator(".status.confirmed").wait_for()
    assert await mine.locator("h3").inner_text() == title
    await assert_no_sideways_scroll(page, viewport)

    await page.click("#lang")  # the second language
    await page.locator(".event .kind", has_text="Bank–enterprise matchmaking").wait_for()
    english = page.locator(".event[data-kind=financing_matchmaking]")
    assert await english.locator(".deadline").inner_text() == (
        f"Sign-up deadline: {shown(deadline)}"
    )
