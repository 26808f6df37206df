"""What officers read in /admin: times on the office's clock (China time unless configured)
to the minute, Chinese words for stored codes, form errors naming the field as people do,
column headers in one language. Every time here is fixed by the test, never the clock."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from events.models import Event, EventKind, EventStatus
from events.schemas import EventIn
from events.service import create_event
from knowledge.feedback import AnswerFeedback
from knowledge.ingest_jobs import IngestJob
from knowledge.models import AnswerLog, OpenQuestion
from policydesk.runtime import Runtime
from tests.web.admin_apps import admin_app, browser
from tests.web.conftest import csrf_of, login_as, sign_up

# 09:30 in China on 20 December; 14:05 on 2 November (UTC+8, no daylight saving time).
STARTS = datetime(2099, 12, 20, 1, 30, tzinfo=UTC)
OTHER_STARTS = datetime(2099, 11, 2, 6, 5, tzinfo=UTC)
ASKED = datetime(2026, 12, 20, 1, 30, 15, 123456, tzinfo=UTC)
# What must never reach an officer: ISO times, seconds with microseconds, UTC offsets.
MACHINE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d|\+00:00|UTC")
CODES = ("financing_matchmaking", "training", "draft", "published", "cancelled")


@pytest.fixture
async def office(light_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An officer's browser on the admin UI."""
    async with admin_app(light_runtime) as app, browser(app) as client:
        await login_as(client, light_runtime, "officer")
        yield client


async def _events(runtime: Runtime) -> tuple[int, int]:
    """A published training and a draft matchmaking event; their ids."""
    async with runtime.sessions() as session:
        training = await create_event(
            session,
            EventIn(
                kind=EventKind.TRAINING,
                title="专利导航培训",
                starts_at=STARTS,
                capacity=5,
                status=EventStatus.PUBLISHED,
            ),
        )
        matchmaking = await create_event(
            session,
            EventIn(
                kind=EventKind.FINANCING_MATCHMAKING,
                title="知识产权质押融资银企对接",
                starts_at=OTHER_STARTS,
                capacity=30,
            ),
        )
        await session.commit()
        return training.id, matchmaking.id


def _part(page: str, marker: str, end: str = "</table>") -> str:
    """The page from ``marker`` to the next ``end``, unescaped."""
    return html.unescape(page[page.index(marker) :].split(end)[0])


def _cells(page: str) -> str:
    """The text of a table's body (not its attributes or links)."""
    body = page[page.index("<tbody") : page.index("</tbody>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _column(page: str, number: int) -> list[str]:
    """The texts of a table's ``number``th column (from 0)."""
    body = page[page.index("<tbody") : page.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c[number])).split()) for c in cells]


def _headers(page: str) -> list[str]:
    head = page[page.index("<thead") : page.index("</thead>")]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


async def test_login_page_is_in_chinese(light_runtime: Runtime) -> None:
    async with admin_app(light_runtime) as app, browser(app) as client:
        page = (await client.get("/admin/login")).text
        assert "登录政策服务工作台" in page
        assert "用户名" in page and "密码" in page and ">登录<" in page.replace(" ", "")
        for english in ("Login", "Username", "Password"):
            assert english not in page, english
        refused = await client.post(
            "/admin/login",
            data={"username": "nobody", "password": "x", "csrf_token": csrf_of(page)},
        )
        assert refused.status_code == 400
        assert "用户名或密码错误" in refused.text and "Wrong" not in refused.text


async def test_events_show_china_time_and_names_of_kinds_and_statuses(
    office: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    training, matchmaking = await _events(light_runtime)
    page = (await office.get("/admin/events")).text
    table = _part(page, 'id="events"')
    training_row = table[table.index(f'data-event="{training}"') :].split("</tr>")[0]
    assert "2099-12-20 09:30" in training_row  # stored as 01:30 UTC
    assert "培训" in training_row and "已发布" in training_row
    other_row = table[table.index(f'data-event="{matchmaking}"') :].split("</tr>")[0]
    assert "2099-11-02 14:05" in other_row
    assert "银企对接会" in other_row and "草稿" in other_row
    assert not MACHINE_TIME.search(table)
    assert not any(code in _cells(page) for code in CODES)
    assert "北京时间" in page

    form = (await office.get(f"/admin/events/{matchmaking}")).text
    assert "开始 2099-11-02 14:05" in _part(form, 'class="page-pretitle"', "</div>")
    # The form's time field holds office time too, in the format the browser's picker reads.
    assert 'value="2099-11-02T14:05"' in form
    options = dict(re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', form))
    assert options["financing_matchmaking"] == "银企对接会"
    assert (options["training"], options["other"]) == ("培训", "其他活动")
    assert (options["draft"], options["published"], options["cancelled"]) == (
        "草稿",
        "已发布",
        "已取消",
    )


async def test_figures_show_event_starts_in_china_time(
    office: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    await _events(light_runtime)
    page = (await office.get("/admin/figures")).text
    table = _part(page, 'id="event-figures"')
    assert "2099-12-20 09:30" in table and "2099-11-02 14:05" in table
    assert not MACHINE_TIME.search(table)
    assert _headers(table + "</table>") == [
        "活动",
        "开始时间",
        "容量",
        "已确认",
        "候补",
        "已取消",
        "已签到",
    ]


async def test_times_typed_in_a_form_are_the_office_time(light_runtime: Runtime) -> None:
    """Another office's zone (POLICYDESK_TIMEZONE): shown and read in it, stored in UTC."""
    async with (
        admin_app(light_runtime, timezone="Europe/Berlin") as app,
        browser(app) as client,
    ):
        await login_as(client, light_runtime, "officer")
        token = csrf_of((await client.get("/admin/events/new")).text)
        form = {
            "title": "夏令时培训",
            "kind": "training",
            "status": "draft",
            "starts_at": "2099-07-01T09:00",  # summer time in Berlin: UTC+2
            "registration_deadline": "2099-06-30 18:00",
            "capacity": "10",
            "csrf_token": token,
        }
        created = await client.post("/admin/events/new", data=form)
        assert created.status_code == 303, created.text
        event_id = int(re.findall(r"/events/(\d+)", created.headers["location"])[0])
        listed = (await client.get("/admin/events")).text
        row = listed[listed.index(f'data-event="{event_id}"') :].split("</tr>")[0]
        assert "2099-07-01 09:00" in row and "2099-06-30 18:00" in row
        assert "Europe/Berlin" in listed  # the page says which clock it shows
    async with light_runtime.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        assert event.starts_at == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)
        assert event.registration_deadline == datetime(2099, 6, 30, 16, 0, tzinfo=UTC)


async def test_form_errors_name_the_field_in_chinese(
    office: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    token = csrf_of((await office.get("/admin/events/new")).text)
    form = {
        "title": " ",
        "kind": "picnic",
        "status": "draft",
        "starts_at": "next tuesday",
        "registration_deadline": "",
        "capacity": "x",
        "csrf_token": token,
    }
    refused = await office.post("/admin/events/new", data=form)
    assert refused.status_code == 422
    errors = _part(refused.text, 'id="event-errors"', "</div>")
    for line in (
        "标题：不能为空",
        "类型：请从列表中选择",
        "容量：请输入整数",
        "开始时间：请输入日期和时间",
    ):
        assert line in errors, errors
    late = form | {
        "title": "培训",
        "kind": "training",
        "starts_at": "2099-05-01T09:00",
        "registration_deadline": "2099-05-02T09:00",
        "capacity": "5",
    }
    late_page = (await office.post("/admin/events/new", data=late)).text
    errors += _part(late_page, 'id="event-errors"', "</div>")
    assert "报名截止时间：报名截止时间不能晚于活动开始时间" in errors
    for machine in ("Value error", "form:", "title:", "String should", "Input should", "must not"):
        assert machine not in errors, machine

    training, _ = await _events(light_runtime)
    current = {
        "title": "专利导航培训",
        "kind": "training",
        "status": "cancelled",
        "starts_at": "2099-12-20T09:30",
        "registration_deadline": "2099-12-20T09:30",
        "capacity": "5",
        "place": "",
        "description": "",
        "csrf_token": token,
    }
    assert (await office.post(f"/admin/events/{training}", data=current)).status_code == 303
    again = await office.post(f"/admin/events/{training}", data=current | {"capacity": "9"})
    assert again.status_code == 422
    assert "状态：活动已取消，不能再修改" in _part(again.text, 'id="event-errors"', "</div>")


async def _feedback_rows(runtime: Runtime) -> None:
    async with runtime.sessions() as session:
        helpful = AnswerLog(
            question="专利质押融资有贴息吗",
            answered=True,
            confidence=0.82,
            answer="有。",
            sources=[],
            channel="web",
            user_key="web:1",
            created_at=ASKED,
        )
        unhelpful = AnswerLog(
            question="商标注册补贴怎么申请",
            answered=True,
            confidence=0.61,
            answer="……",
            sources=[],
            channel="telegram",
            user_key="tg:2",
            created_at=ASKED,
        )
        session.add_all([helpful, unhelpful])
        await session.flush()
        session.add_all(
            [
                AnswerFeedback(
                    answer_log_id=helpful.id,
                    user_key="web:1",
                    vote=1,
                    created_at=ASKED,
                    updated_at=ASKED,
                ),
                AnswerFeedback(
                    answer_log_id=unhelpful.id,
                    user_key="tg:2",
                    vote=-1,
                    created_at=ASKED,
                    updated_at=ASKED,
                ),
                OpenQuestion(
                    question="食堂几点开饭",
                    normalized="食堂几点开饭",
                    channel="web",
                    status="open",
                    created_at=ASKED,
                ),
            ]
        )
        await session.commit()


async def test_feedback_shows_the_question_and_the_vote(
    office: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    await _feedback_rows(light_runtime)
    page = (await office.get("/admin/answer-feedback/list")).text
    assert _headers(page)[2:] == ["编号", "问题", "评价", "用户", "评价时间"]
    cells = _cells(page)
    assert "专利质押融资有贴息吗" in cells and "商标注册补贴怎么申请" in cells
    assert sorted(_column(page, 4)) == ["👍 有帮助", "👎 没帮助"]  # not 1 and -1
    assert "2026-12-20 09:30" in cells
    assert not MACHINE_TIME.search(cells)
    assert "answer_log_id" not in page and "created_at" not in page
    row = re.search(r'href="([^"]*/answer-feedback/details/\d+)"', page)
    assert row
    details = (await office.get(row.group(1))).text
    assert "问题" in details and ("👍" in details or "👎" in details)
    assert not MACHINE_TIME.search(_cells(details))


async def test_tables_have_chinese_headers_codes_and_times(
    office: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    await _feedback_rows(light_runtime)
    questions = (await office.get("/admin/open-question/list")).text
    assert _headers(questions)[2:] == ["编号", "问题", "渠道", "状态", "提问时间", "答复人"]
    cells = _cells(questions)
    assert "网页咨询" in cells and "待答复" in cells
    assert "2026-12-20 09:30" in cells and not MACHINE_TIME.search(cells)
    assert " open " not in cells and " web " not in cells
    # sqladmin's own words too: no "Logout", "Search" or "Showing 1 to 1 of 1 items".
    assert "退出登录" in questions and "共 1 条" in questions
    assert "Logout" not in questions and "Showing" not in questions

    log = (await office.get("/admin/answer-log/list")).text
    assert "82%" in _cells(log) and "Telegram 机器人" in _cells(log)

    grouped = (await office.get("/admin/open-questions")).text
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", grouped)).split())
    assert "最早 2026-12-20 09:30" in words
    assert "UTC" not in grouped

    training, _ = await _events(light_runtime)
    await sign_up(office, training, 1)
    registrations = (await office.get("/admin/registration/list")).text
    headers = _headers(registrations)[2:]
    assert headers == ["编号", "活动", "企业", "状态", "席位", "渠道", "报名时间"]
    cells = _cells(registrations)
    assert "专利导航培训" in cells and "示例公司" in cells and "已确认" in cells
    assert "confirmed" not in cells and not MACHINE_TIME.search(cells)
    # One language in every header and menu entry: no "报名 Registrations".
    menu = registrations[: registrations.index('class="page-wrapper"')]
    for mixed in ("Registrations", "Open questions", "Events", "Figures", "Feedback"):
        assert mixed not in menu and mixed not in headers, mixed


async def test_upload_jobs_in_china_time_with_status_names(light_runtime: Runtime) -> None:
    async with light_runtime.sessions() as session:
        session.add(
            IngestJob(
                filename="焦作市专利资助办法.docx",
                size=1024,
                status="done",
                stage="done",
                created_by="admin-zhang",
                created_at=ASKED,
                finished_at=datetime(2026, 12, 20, 1, 31, 2, tzinfo=UTC),
            )
        )
        await session.commit()
    async with admin_app(light_runtime) as app, browser(app) as client:
        await login_as(client, light_runtime, "admin")
        upload = (await client.get("/admin/upload")).text
        row = _cells(upload)
        assert "已完成" in row and "2026-12-20 09:30" in row and "2026-12-20 09:31" in row
        assert " done " not in row and not MACHINE_TIME.search(row)
        jobs = (await client.get("/admin/ingest-job/list")).text
        assert "提交时间" in _headers(jobs) and "完成时间" in _headers(jobs)
        cells = _cells(jobs)
        assert "已完成" in cells and "2026-12-20 09:31" in cells
        assert not MACHINE_TIME.search(cells)
        job_id = re.findall(r'data-job="(\d+)"', upload)[0]
        progress = (await client.get(f"/admin/upload/jobs/{job_id}")).json()
        assert (progress["status"], progress["status_label"]) == ("done", "已完成")
