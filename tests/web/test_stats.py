"""Figures for officers and their CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from campaigns import service
from campaigns.content import Draft
from campaigns.models import CampaignStatus, Delivery, DeliveryStatus
from core.clock_display import OfficeClock
from core.csv_safe import safe_cell, to_csv
from core.db import utcnow, write_transaction
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
