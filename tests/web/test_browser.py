"""The web chat and the admin UI in headless Debian chromium (Playwright, no browser
download): ask and see the cited answer, give feedback, hand off; an officer answers in
/admin and the answer appears on the asker's page; an uploaded document becomes answerable.

The app runs under uvicorn on loopback, on the test's event loop, over SQLite.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from core.db import utcnow
from core.officers import create_officer
from events.models import EventKind, EventStatus
from events.schemas import EventIn
from events.service import create_event
from knowledge.models import AnswerLog
from policydesk.runtime import Runtime, initialise, open_runtime
from tests.conftest import make_settings
from tests.web.conftest import CachingEmbedder, sign_up

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"
# Waiting for the page is not a speed check: generous, for a loaded CI machine.
WAIT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
async_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def server(
    tmp_path: Path, sqlite_template: Path, cached_embedder: CachingEmbedder
) -> AsyncIterator[tuple[str, Runtime]]:
    db = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, db)
    settings = make_settings(tmp_path / "data", f"sqlite+aiosqlite:///{db}")
    runtime = await open_runtime(settings, migrate=False)
    runtime.knowledge.embedder = cached_embedder
    await initialise(runtime)
    async with runtime.sessions() as session:
        await create_officer(session, "chen", PASSWORD, "admin")
        await session.commit()
    config = uvicorn.Config(
        create_app(runtime=runtime), host="127.0.0.1", port=0, log_level="warning"
    )
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve())
    while not uv.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.05)
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", runtime
    uv.should_exit = True
    await task
    await runtime.close()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with async_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        await chromium.close()


async def _ask(page: object, question: str) -> object:
    before = await page.locator(".msg.bot:not(.welcome)").count()
    await page.fill("#question", question)
    await page.click("#send")
    answer = page.locator(".msg.bot:not(.welcome)").nth(before)
    await answer.locator(".text").wait_for(timeout=WAIT_MS)  # shown once the answer is in
    return answer


async def _chat_page(browser: object, url: str) -> object:
    """A phone-sized page on the web chat, once its welcome message is shown."""
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(url)
    await page.locator(".msg.welcome").wait_for(state="attached")
    return page


async def _officer_page(browser: object, base: str) -> object:
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=username]", "chen")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")
    return page


async def test_ask_feedback_hand_off_and_officer_reply(
    server: tuple[str, Runtime], browser: object, tmp_path: Path
) -> None:
    base, _ = server
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    asker = await context.new_page()
    asker.set_default_timeout(WAIT_MS)
    await asker.goto(f"{base}/chat")
    await asker.locator(".msg.welcome").wait_for()

    answered = await _ask(asker, "知识产权质押融资工作怎么开展?")
    assert "answered" in (await answered.get_attribute("class") or "")
    assert (
        "焦作市国家知识产权试点城市建设实施方案"
        in await answered.locator(".sources .doc").first.inner_text()
    )
    assert (await answered.locator(".sources blockquote").first.inner_text()).strip()
    await answered.locator("button.up").click()
    await answered.locator(".thanks").wait_for()
    assert await answered.locator("button.up").get_attribute("aria-pressed") == "true"

    shot = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path)) / "chat-phone.png"
    await asker.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 0
    width = await asker.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing wider than the phone: no sideways scrolling

    assert await answered.locator("button.handoff").count() == 1  # an answer may be handed on

    # Not found: already with the officers, as the bubble says; no second hand-off offered.
    unknown = await _ask(asker, "食堂几点开饭?")
    assert "not-found" in (await unknown.get_attribute("class") or "")
    assert "工作人员" in await unknown.locator(".text").inner_text()
    assert await unknown.locator("button.handoff").count() == 0

    officer = await _officer_page(browser, base)
    await officer.goto(f"{base}/admin/open-questions")
    group = officer.locator(".question-group", has_text="食堂几点开饭")
    await group.locator("textarea[name=answer]").fill("工作日中午十二点开饭。")
    await group.locator("button[type=submit]").click()
    await officer.locator(".alert-success").wait_for()

    reply = asker.locator(".msg.officer", has_text="工作日中午十二点开饭。")
    await reply.wait_for()  # the page polls for officers' messages
    assert "工作人员答复" in await reply.inner_text()

    # Reloaded (or opened again tomorrow), the page shows the conversation so far.
    await asker.reload()
    await asker.locator(".msg.officer", has_text="工作日中午十二点开饭。").wait_for()
    assert await asker.locator(".msg.mine", has_text="食堂几点开饭?").count() == 1
    restored = asker.locator(".msg.bot.answered").first
    assert (
        "焦作市国家知识产权试点城市建设实施方案" in await restored.locator(".sources").inner_text()
    )
    await asker.wait_for_timeout(3500)  # one poll of officers' messages later
    assert await asker.locator(".msg.officer").count() == 1  # shown once, not again by the poll

    await asker.click("#lang")  # English is the second locale
    assert await asker.locator("h1").inner_text() == "IP Policy Help Desk"
    assert await asker.locator("#send").inner_text() == "Send"


async def test_uploaded_document_becomes_answerable(
    server: tuple[str, Runtime], browser: object, tmp_path: Path
) -> None:
    base, _ = server
    policy = tmp_path / "shuju.txt"
    policy.write_text(
        "焦作市数据知识产权登记试点办法\n\n一、支持措施\n"
        "(一)对首次取得数据知识产权登记证书的企业,给予每件三千元的一次性奖励。\n",
        encoding="utf-8",
    )
    officer = await _officer_page(browser, base)
    await officer.goto(f"{base}/admin/upload")
    await officer.set_input_files("input[name=file]", str(policy))
    await officer.click("form button[type=submit]")
    status = officer.locator("#upload-job .job-status")
    await officer.locator('#upload-job .job-status[data-status="done"]').wait_for()
    assert await status.inner_text() == "已完成"

    asker = await _chat_page(browser, f"{base}/")
    answer = await _ask(asker, "数据知识产权登记证书有什么奖励?")
    assert (
        "焦作市数据知识产权登记试点办法" in await answer.locator(".sources .doc").first.inner_text()
    )


async def test_event_sign_up_from_the_chat_page(
    server: tuple[str, Runtime], browser: object, tmp_path: Path
) -> None:
    base, runtime = server
    async with runtime.sessions() as session:
        await create_event(
            session,
            EventIn(
                kind=EventKind.TRAINING,
                title="专利导航培训班",
                place="市知识产权局三楼",
                starts_at=utcnow() + timedelta(days=7),
                capacity=30,
                status=EventStatus.PUBLISHED,
            ),
        )
        await session.commit()
    # As the WeChat menu's 活动报名 links to it: the events tab opens by itself.
    page = await _chat_page(browser, f"{base}/chat#events")
    assert await page.locator("#tab-events").get_attribute("aria-selected") == "true"
    assert not await page.locator("#ask").is_visible()  # no question box over the events
    card = page.locator(".event", has_text="专利导航培训班")
    await card.locator(".open-signup").click()
    await card.locator("input[name=company]").fill("厦门示例科技有限公司")
    await card.locator("input[name=credit_code]").fill("91350200776049653a")
    await card.locator("input[name=contact]").fill("王伟")
    await card.locator("input[name=phone]").fill("13800138000")
    await card.locator("form button[type=submit]").click()
    await card.locator(".done").wait_for()
    assert "报名成功" in await card.locator(".done").inner_text()
    assert (await card.locator(".secret").inner_text()).strip()
    shot = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path)) / "events-phone.png"
    await page.screenshot(path=str(shot))


async def test_benefit_matching_from_the_chat_page(
    server: tuple[str, Runtime], browser: object, tmp_path: Path
) -> None:
    base, _ = server
    page = await _chat_page(browser, f"{base}/chat")
    await page.click("#tab-benefits")
    assert not await page.locator("#ask").is_visible()
    form = page.locator("#benefit-form")
    await form.locator("select[name=above_designated_size]").select_option(label="是")
    await form.locator("input[name=invention_patents]").fill("3")
    await form.locator("select[name=gbt29490_certified]").select_option(label="否")
    await form.locator("select[name=demonstration_level]").select_option(label="不是示范单位")
    await form.locator("button[type=submit]").click()
    await page.locator("#benefit-results .benefit").first.wait_for()

    # The page shows what the API says for the same profile, each with its clause.
    profile = {
        "above_designated_size": True,
        "invention_patents": 3,
        "gbt29490_certified": False,
        "demonstration_level": None,
    }
    async with httpx.AsyncClient(base_url=base) as client:
        expected = (await client.post("/api/v1/benefits/match", json={"profile": profile})).json()
    assert expected["eligible"] or expected["potential"]
    for status in ("eligible", "potential"):
        cards = page.locator(f"#benefit-results .benefit.{status}")
        assert await cards.count() == len(expected[status])
        for n, benefit in enumerate(expected[status]):
            card = cards.nth(n)
            assert await card.locator("h3").inner_text() == benefit["title"]
            assert await card.get_attribute("data-rule") == benefit["id"]
            quote = await card.locator("blockquote").text_content()
            assert quote == benefit["quote"]
    shot = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path)) / "benefits-phone.png"
    await page.screenshot(path=str(shot), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    await page.click("#lang")  # English labels; what was filled in stays
    await page.locator("#benefit-form option", has_text="Not sure").first.wait_for(state="attached")
    assert await form.locator("input[name=invention_patents]").input_value() == "3"
    chosen = form.locator("select[name=demonstration_level] option:checked")
    assert await chosen.inner_text() == "not a demonstration unit"


async def test_admin_edits_a_rule_in_the_browser(
    server: tuple[str, Runtime], browser: object
) -> None:
    base, _ = server
    admin = await _officer_page(browser, base)
    await admin.goto(f"{base}/admin/rules")
    await admin.locator("#rules a", has_text="专利申请资助").click()
    editor = admin.locator("#rule-yaml")
    text = await editor.input_value()
    await editor.fill(text.replace("fact: patent_applications", "fact: weather"))
    await admin.click("#rule-form button[type=submit]")
    assert "fact" in await admin.locator("#rule-errors").inner_text()  # shown, not saved
    await editor.fill(text.replace("title: 专利申请资助", "title: 专利申请资助（修订）"))
    await admin.click("#rule-form button[type=submit]")
    await admin.locator("#rule-saved").wait_for()
    assert await admin.locator("h2.page-title").inner_text() == "专利申请资助（修订）"


DESKTOP = {"width": 1366, "height": 900}
# For each header of a table: on how many lines its text is laid out.
HEADER_LINES = """table => [...table.querySelectorAll('th')].map(th => {
  const range = document.createRange();
  range.selectNodeContents(th);
  return [th.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
})"""


async def test_figures_page_opens_from_the_sidebar_with_readable_tables_and_charts(
    server: tuple[str, Runtime], browser: object, tmp_path: Path
) -> None:
    base, runtime = server
    noon = utcnow().replace(hour=4, minute=0, second=0, microsecond=0)  # 12:00 China time
    title = "2026年度知识产权质押融资银企对接会（第二场）"
    async with runtime.sessions() as session:
        session.add_all(
            AnswerLog(question=q, answered=ok, confidence=0.5, answer="", sources=[], created_at=at)
            for q, ok, at in [
                ("质押融资怎么办?", True, noon - timedelta(days=2)),
                ("食堂几点开饭?", False, noon - timedelta(days=1)),
                ("专利资助标准?", True, noon - timedelta(days=1)),
            ]
        )
        event = await create_event(
            session,
            EventIn(
                kind=EventKind.FINANCING_MATCHMAKING,
                title=title,
                starts_at=noon + timedelta(days=7),
                capacity=1,
                status=EventStatus.PUBLISHED,
            ),
        )
        await session.commit()
    async with httpx.AsyncClient(base_url=base) as client:
        await sign_up(client, event.id, 2)

    shots = Path(os.environ.get("POLICYDESK_SCREENSHOT_DIR", tmp_path))
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=username]", "chen")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")
    await page.locator("#navbar-menu a.nav-link", has_text="统计").click()
    await page.wait_for_url(f"{base}/admin/figures")  # the page opens; no CSV download
    await page.locator("#chart-per-day").wait_for()

    for viewport, name in ((DESKTOP, "figures-desktop.png"), (PHONE, "figures-phone.png")):
        await page.set_viewport_size(viewport)
        table = page.locator("#event-figures")
        # Every header on one line, and the event's title cell many characters wide.
        assert all(lines == 1 for _, lines in await table.evaluate(HEADER_LINES))
        cell = table.locator("tbody tr", has_text=title).locator("td").first
        box = await cell.bounding_box()
        font = float(await cell.evaluate("td => parseFloat(getComputedStyle(td).fontSize)"))
        assert box is not None and box["width"] >= 8 * font
        chart = await page.locator("#chart-per-day").bounding_box()
        assert chart is not None and chart["width"] >= 0.75 * min(viewport["width"], 400)
        # The page itself never scrolls sideways; a wide table scrolls within its card.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]
        await page.screenshot(path=str(shots / name), full_page=True)
    bars = page.locator("#chart-registrations rect.bar")
    assert await bars.count() == 2  # one confirmed, one waitlisted
