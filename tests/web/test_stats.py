"""Figures for officers and their CSV export."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from core.csv_safe import safe_cell, to_csv
from tests.web.conftest import open_web_chat


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
    for code, phone in (
        ("91350200776049653A", "13800138000"),
        ("91330100716105852F", "13900139000"),
    ):
        signed = await client.post(
            f"/api/v1/events/{event_id}/registrations",
            json={
                "company": {"name": "示例公司", "credit_code": code},
                "contact": {"name": "王伟", "phone": phone},
            },
        )
        assert signed.status_code == 201, signed.text
    stats = (await client.get("/api/v1/admin/stats", headers=officer_headers)).json()
    [figures] = [e for e in stats["registrations"] if e["event_id"] == event_id]
    assert (figures["confirmed"], figures["waitlisted"], figures["capacity"]) == (1, 1, 1)
    exported = await client.get("/api/v1/admin/stats/questions.csv", headers=officer_headers)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    [row] = [r for r in rows if r[0] == "event"]
    assert row[1].startswith("'=专利导航培训") and row[2:] == ["1", "1"]
