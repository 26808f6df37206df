"""Figures for officers and their CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import select, update

from api.admin_ui.charts import PER_DAY, TOPICS, Column, Row, bar_chart, column_chart
from campaigns import service
from campaigns.content import Draft
from campaigns.models import CampaignStatus, Delivery, DeliveryStatus
from core.clock_display import OfficeClock
from core.csv_safe import safe_cell, to_csv
from core.db import utcnow, write_transaction
from knowledge.feedback import AnswerFeedback
from knowledge.models import AnswerLog
from knowledge.stats import question_stats
from policydesk.runtime import Runtime
from tests.campaigns.factories import add_subscribers
from tests.web.conftest import login_as, open_web_chat, sign_up


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 391", "'+86 391"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("＝全角", "'＝全角"),
        ("专利", "专利"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_cells_that_look_like_formulas_are_neutralised(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_round_trips_through_a_reader() -> None:
    text = to_csv(["a", "b"], [["=1+1", "x,y"], ["line\nbreak", 2]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["a", "b"], ["'=1+1", "x,y"], ["line\nbreak", "2"]]


async def test_stats_count_questions_feedback_and_not_found(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    chat = await open_web_chat(client)
    answered = await client.post(
        "/api/v1/web/ask", json={"question": "知识产权质押融资工作怎么开展?"}, headers=chat
    )
    injected = '=HYPERLINK("http://evil")天气'
    for question in ("明天焦作的天气怎么样?", "明天焦作的天气怎么样?", injected):
        await client.post("/api/v1/web/ask", json={"question": question}, headers=chat)
    await client.post(
        "/api/v1/web/feedback",
        json={"answer_log_id": answered.json()["answer_log_id"], "helpful": True},
        headers=chat,
    )
    stats = (await client.get("/api/v1/admin/stats", headers=officer_headers)).json()
    assert stats["asked"] == 4 and stats["answered"] == 1
    assert stats["answered_share"] == pytest.approx(0.25)
    assert sum(d["asked"] for d in stats["days"]) == 4
    assert stats["top_not_found"][0] == {"label": "明天焦作的天气怎么样?", "count": 2}
    assert stats["top_topics"][0]["count"] == 1
    assert stats["feedback"] == {"helpful": 1, "not_helpful": 0}
    assert stats["open_questions"] == 3

    exported = await client.get("/api/v1/admin/stats/questions.csv", headers=officer_headers)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    labels = [row[1] for row in rows]
    assert "'" + injected in labels and injected not in labels


async def test_stats_count_registrations_per_event(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    event = await client.post(
        "/api/v1/admin/events",
        json={
            "kind": "training",
            "title": "=专利导航培训",
            "starts_at": "2099-05-01T01:00:00Z",
            "capacity": 1,
            "status": "published",
        },
        headers=officer_headers,
    )
    assert event.status_code == 201, event.text
    event_id = event.json()["id"]
    await sign_up(client, event_id, 2)
    stats = (await client.get("/api/v1/admin/stats", headers=officer_headers)).json()
    [figures] = [e for e in stats["registrations"] if e["event_id"] == event_id]
    assert (figures["confirmed"], figures["waitlisted"], figures["capacity"]) == (1, 1, 1)
    exported = await client.get("/api/v1/admin/stats/questions.csv", headers=officer_headers)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    [row] = [r for r in rows if r[0] == "event"]
    assert row[1].startswith("'=专利导航培训") and row[2:] == ["1", "1"]


async def _sent_campaign(
    runtime: Runtime, title: str, started: datetime, outcomes: dict[DeliveryStatus, int]
) -> int:
    """A campaign started at ``started`` whose deliveries ended as ``outcomes`` (the worker
    is not what is tested here), finished 90 seconds later."""
    async with write_transaction(runtime.sessions) as session:
        campaign = await service.create_campaign(session, Draft(title=title, text="世界知识产权日"))
        await service.start_campaign(session, campaign.id, now=started)
        ids = list(
            await session.scalars(
                select(Delivery.id).where(Delivery.campaign_id == campaign.id).order_by(Delivery.id)
            )
        )
        assert len(ids) == sum(outcomes.values())
        for status, count in outcomes.items():
            chosen, ids = ids[:count], ids[count:]
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(chosen))
                .values(status=status.value, finished_at=started + timedelta(seconds=60))
            )
        campaign.status = CampaignStatus.DONE.value
        campaign.finished_at = started + timedelta(seconds=90)
        return campaign.id


async def test_stats_show_campaign_results_of_the_period(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    await add_subscribers(web_runtime.sessions, 10)
    S = DeliveryStatus
    recent = await _sent_campaign(
        web_runtime,
        '=HYPERLINK("http://evil")推送',
        utcnow() - timedelta(days=2),
        {S.SENT: 6, S.BLOCKED: 2, S.FAILED: 1, S.UNKNOWN: 1},
    )
    old = await _sent_campaign(
        web_runtime, "去年的推送", utcnow() - timedelta(days=40), {S.SENT: 10}
    )
    async with write_transaction(web_runtime.sessions) as session:  # never started: no result
        await service.create_campaign(session, Draft(title="草稿", text="x"))

    stats = (await client.get("/api/v1/admin/stats", headers=officer_headers)).json()
    [result] = stats["campaigns"]
    assert result["campaign_id"] == recent and result["status"] == "done"
    assert (
        result["targeted"],
        result["sent"],
        result["blocked"],
        result["failed"],
        result["unknown"],
    ) == (10, 6, 2, 1, 1)
    assert result["delivery_rate"] == pytest.approx(0.6)
    assert result["duration"] == pytest.approx(90.0)
    started = datetime.fromisoformat(result["started_at"])
    assert datetime.fromisoformat(result["finished_at"]) - started == timedelta(seconds=90)

    longer = (await client.get("/api/v1/admin/stats?days=60", headers=officer_headers)).json()
    assert [c["campaign_id"] for c in longer["campaigns"]] == [recent, old]
    assert longer["campaigns"][1]["delivery_rate"] == 1.0

    exported = await client.get("/api/v1/admin/stats/questions.csv", headers=officer_headers)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    header = rows[0]
    [row] = [dict(zip(header, r, strict=True)) for r in rows if r[0] == "campaign"]
    assert row["label"] == '\'=HYPERLINK("http://evil")推送'
    assert (row["count"], row["targeted"], row["blocked"], row["failed"], row["unknown"]) == (
        "6",
        "10",
        "2",
        "1",
        "1",
    )
    assert (row["status"], row["delivery_rate"], row["duration_s"]) == ("done", "0.6", "90.0")

    await login_as(client, web_runtime, "officer")
    page = await client.get("/admin/figures")
    assert page.status_code == 200
    row = page.text[page.text.index(f'data-campaign="{recent}"') :].split("</tr>")[0]
    assert "=HYPERLINK(&#34;http://evil&#34;)推送" in row  # the title, escaped
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[4:] == ["10", "6", "2", "1", "1", "60.0%", "90 秒"]
    # Its status by name and its times on the office's clock, as officers read them.
    china = OfficeClock.named()
    finished = started + timedelta(seconds=90)
    assert cells[1:4] == ["已完成", china.show(started), china.show(finished)]
    ui_csv = await client.get("/admin/figures/questions.csv")
    assert ui_csv.text == exported.text


def _bars(html: str, chart_id: str) -> dict[tuple[str, str], str]:
    """The bars of one chart on the page: (series, label) -> value, as the page states them."""
    start = html.index(f'<svg class="svg-chart" id="{chart_id}"')
    svg = html[start : html.index("</svg>", start)]
    bars = re.findall(
        r'<rect class="bar" data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)"', svg
    )
    return {(series, label): value for series, label, value in bars}


def _menu_links(html: str) -> dict[str, str]:
    """The sidebar's entries: name -> where the link goes."""
    pairs = re.findall(r'href="([^"]+)">(?:(?!</a>).)*?nav-link-title">([^<]+)<', html, re.S)
    return {name.strip(): href for href, name in pairs}


async def test_the_figures_page_opens_from_the_sidebar_and_draws_the_figures(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    china = OfficeClock.named()
    # Noon on two office days this week: each question falls on its own day, whatever
    # the time of day the test runs at.
    first = china.local(utcnow() - timedelta(days=3)).replace(hour=12, minute=0, second=0)
    second = first + timedelta(days=1)
    day1, day2 = first.date().isoformat(), second.date().isoformat()
    source = [{"document": "焦作市试点城市实施方案", "section": "三、重点任务 › 5.质押融资"}]
    hostile = "<script>alert(1)</script>食堂几点开饭?"
    asked = [
        (first, True, source, "知识产权质押融资怎么办?"),
        (first + timedelta(minutes=5), True, source, "质押融资有贴息吗?"),
        (first + timedelta(minutes=9), False, [], "明天天气怎么样?"),
        (second, False, [], hostile),
    ]
    async with write_transaction(web_runtime.sessions) as session:
        logs = [
            AnswerLog(
                question=q,
                answered=ok,
                confidence=0.9 if ok else 0.1,
                answer="",
                sources=src,
                created_at=at,
            )
            for at, ok, src, q in asked
        ]
        session.add_all(logs)
        await session.flush()
        votes = [(logs[0], "u1", 1), (logs[1], "u1", 1), (logs[1], "u2", -1)]
        session.add_all(
            AnswerFeedback(answer_log_id=log.id, user_key=who, vote=vote, created_at=second)
            for log, who, vote in votes
        )
    await add_subscribers(web_runtime.sessions, 10)
    S = DeliveryStatus
    await _sent_campaign(
        web_runtime,
        "世界知识产权日推送",
        first,
        {S.SENT: 6, S.BLOCKED: 2, S.FAILED: 1, S.UNKNOWN: 1},
    )
    await login_as(client, web_runtime, "officer")

    home = await client.get("/admin/")
    assert _menu_links(home.text)["统计"] == "http://test/admin/figures"  # the page, not the CSV
    page = await client.get(_menu_links(home.text)["统计"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text

    per_day = _bars(html, "chart-per-day")
    assert per_day[("answered", day1)] == "2" and per_day[("not_found", day1)] == "1"
    assert per_day[("not_found", day2)] == "1" and ("answered", day2) not in per_day
    rate = _bars(html, "chart-not-found-rate")
    assert rate[("not_found_rate", day1)] == "0.3333" and rate[("not_found_rate", day2)] == "1"
    topic = "焦作市试点城市实施方案 › 三、重点任务"
    assert _bars(html, "chart-topics") == {("questions", topic): "2"}
    not_found = _bars(html, "chart-not-found")
    assert not_found[("questions", "明天天气怎么样?")] == "1"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;食堂几点开饭?"
    assert not_found[("questions", escaped)] == "1"
    assert "<script>alert(1)" not in html and escaped in html
    assert _bars(html, "chart-feedback") == {
        ("helpful", "👍 有帮助"): "2",
        ("not_helpful", "👎 没帮助"): "1",
    }
    assert _bars(html, "chart-campaigns") == {
        ("sent", "世界知识产权日推送"): "6",
        ("blocked", "世界知识产权日推送"): "2",
        ("failed", "世界知识产权日推送"): "1",
        ("unknown", "世界知识产权日推送"): "1",
    }
    # Each chart names itself to a screen reader, with its numbers.
    assert '<title id="chart-topics-title">热门主题</title>' in html
    assert f'<desc id="chart-topics-desc">{topic}：2</desc>' in html
    # The CSV is a link on the page, and still downloads.
    csv_link = re.search(r'id="figures-csv"\s+href="([^"]+)"', html)
    assert csv_link and csv_link.group(1).endswith("/admin/figures/questions.csv")
    exported = await client.get(csv_link.group(1))
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].startswith("attachment")


async def test_sign_ups_per_event_are_charted(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    starts = datetime(2099, 5, 1, 1, 30, tzinfo=UTC)
    event = await client.post(
        "/api/v1/admin/events",
        json={
            "kind": "training",
            "title": "专利导航培训",
            "starts_at": starts.isoformat(),
            "capacity": 1,
            "status": "published",
        },
        headers=officer_headers,
    )
    assert event.status_code == 201, event.text
    await sign_up(client, event.json()["id"], 2)
    await login_as(client, web_runtime, "officer")
    html = (await client.get("/admin/figures")).text
    label = f"专利导航培训（{OfficeClock.named().show(starts)}）"
    assert label == "专利导航培训（2099-05-01 09:30）"
    bars = _bars(html, "chart-registrations")
    assert bars[("confirmed", label)] == "1" and bars[("waitlisted", label)] == "1"
    assert "1 / 1 席" in html


def test_chart_texts_are_escaped_and_long_labels_cut() -> None:
    hostile = '<img src=x onerror="alert(1)">' + "很长的问题" * 20
    svg = str(bar_chart("chart-x", "<b>题</b>", [Row(hostile, (3,), "3 <次>")], TOPICS))
    assert "<img" not in svg and "<b>" not in svg and "<次>" not in svg
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in svg
    shown = re.search(r'<text x="0" y="\d+" font-size="\d+" fill="[^"]+">([^<]*)</text>', svg)
    assert shown and shown.group(1).endswith("…") and len(shown.group(1)) < len(hostile)
    assert f'data-label="{escape(hostile)}"' in svg  # the whole label stays with the bar


def test_day_columns_cover_the_period_and_an_empty_chart_says_so() -> None:
    columns = [Column("2026-12-06", (0, 0), "无提问"), Column("2026-12-07", (2, 1), "提问 3")]
    svg = str(column_chart("chart-d", "每日提问", columns, PER_DAY))
    assert re.findall(r'data-label="([^"]+)" data-value="(\d+)"', svg) == [
        ("2026-12-07", "2"),
        ("2026-12-07", "1"),
    ]
    assert '<desc id="chart-d-desc">2026-12-07：提问 3</desc>' in svg
    nothing = str(column_chart("chart-e", "每日提问", columns[:1], PER_DAY, empty="本期没有提问"))
    assert nothing == '<p class="text-secondary chart-empty" id="chart-e">本期没有提问</p>'


async def test_questions_are_counted_on_the_offices_day(web_runtime: Runtime) -> None:
    # 20:00 UTC is 04:00 the next morning in China: one question, two readings of its day.
    asked = (utcnow() - timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    async with write_transaction(web_runtime.sessions) as session:
        session.add(
            AnswerLog(
                question="专利怎么申请?",
                answered=False,
                confidence=0.1,
                answer="",
                sources=[],
                created_at=asked,
            )
        )
    async with web_runtime.sessions() as session:
        china = await question_stats(session, 30)
        london = await question_stats(session, 30, ZoneInfo("Europe/London"))
    next_day = (asked + timedelta(days=1)).date().isoformat()
    assert [(d.day, d.asked) for d in china.days] == [(next_day, 1)]
    assert [(d.day, d.asked) for d in london.days] == [(asked.date().isoformat(), 1)]
