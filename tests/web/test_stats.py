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
