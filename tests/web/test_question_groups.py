"""Similar not-found questions are grouped; one answer reaches every asker, and can become
an FAQ entry that answers the next asker at once."""

from __future__ import annotations

import httpx

from tests.web.conftest import messages_of, open_web_chat

WEATHER = ["明天焦作的天气怎么样?", "焦作明天天气如何", "明天焦作的天气怎么样？"]
CANTEEN = "食堂几点开饭"


async def _ask(client: httpx.AsyncClient, question: str) -> tuple[dict[str, str], dict]:
    chat = await open_web_chat(client)
    body = (await client.post("/api/v1/web/ask", json={"question": question}, headers=chat)).json()
    assert body["answered"] is False, question
    await client.post(
        "/api/v1/web/handoff", json={"answer_log_id": body["answer_log_id"]}, headers=chat
    )
    return chat, body


async def test_group_answered_once_reaches_everyone_and_becomes_faq(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    chats = [(await _ask(client, q))[0] for q in WEATHER]
    canteen_chat, _ = await _ask(client, CANTEEN)

    groups = (await client.get("/api/v1/admin/questions/groups", headers=officer_headers)).json()
    assert len(groups) == 2
    weather = groups[0]  # the most asked first
    assert weather["askers"] == 3 and weather["count"] == 3 and weather["waiting"] == 3
    assert set(weather["variants"]) == set(WEATHER)
    assert weather["first_asked"] <= weather["last_asked"]
    assert groups[1]["question"] == CANTEEN and groups[1]["askers"] == 1

    answer = "天气预报请查询焦作市气象台网站。"
    result = await client.post(
        f"/api/v1/admin/questions/groups/{weather['id']}/answer",
        json={"answer": answer, "make_faq": True},
        headers=officer_headers,
    )
    assert result.status_code == 200, result.text
    body = result.json()
    assert sorted(body["answered"]) == sorted(weather["question_ids"]) and body["delivered"] == 3

    for chat in chats:
        messages = await messages_of(client, chat, 1)
        assert [answer in str(m["text"]) for m in messages] == [True]
    assert (await client.get("/api/v1/web/messages", headers=canteen_chat)).json() == []

    left = (await client.get("/api/v1/admin/questions/groups", headers=officer_headers)).json()
    assert [g["question"] for g in left] == [CANTEEN]

    # The new FAQ entry answers the next person straight away, without a restart.
    next_chat = await open_web_chat(client)
    again = await client.post(
        "/api/v1/web/ask", json={"question": "焦作明天天气如何"}, headers=next_chat
    )
    assert again.json()["answered"] is True and answer in again.json()["answer"]

    twice = await client.post(
        f"/api/v1/admin/questions/groups/{weather['id']}/answer",
        json={"answer": answer},
        headers=officer_headers,
    )
    assert twice.status_code == 404
