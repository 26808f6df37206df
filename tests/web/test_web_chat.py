"""The web channel end to end over HTTP: ask with sources, feedback, hand-off, and the
officer's answer arriving in the asker's chat (and nowhere else)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from knowledge.feedback import AnswerFeedback
from policydesk.runtime import Runtime
from tests.web.conftest import messages_of, open_web_chat

UNKNOWN_QUESTION = "明天焦作的天气怎么样?"


async def test_answer_comes_with_its_sources(client: httpx.AsyncClient) -> None:
    chat = await open_web_chat(client)
    response = await client.post(
        "/api/v1/web/ask", json={"question": "知识产权质押融资工作怎么开展?"}, headers=chat
    )
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True and body["answer_log_id"] > 0
    top = body["sources"][0]
    assert top["document"] and top["section"] and top["quote"]


async def test_chat_key_is_required_and_checked(client: httpx.AsyncClient) -> None:
    question = {"question": "专利怎么申请?"}
    assert (await client.post("/api/v1/web/ask", json=question)).status_code == 401
    wrong = {"X-Chat-Key": "not-a-key"}
    assert (await client.post("/api/v1/web/ask", json=question, headers=wrong)).status_code == 401


async def test_feedback_is_recorded_once_per_answer_and_only_by_the_asker(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    chat, other = await open_web_chat(client), await open_web_chat(client)
    asked = await client.post(
        "/api/v1/web/ask", json={"question": "专利质押融资有什么支持?"}, headers=chat
    )
    log_id = asked.json()["answer_log_id"]
    for helpful in (True, False):
        vote = {"answer_log_id": log_id, "helpful": helpful}
        assert (
            await client.post("/api/v1/web/feedback", json=vote, headers=chat)
        ).status_code == 204
    stranger = await client.post(
        "/api/v1/web/feedback", json={"answer_log_id": log_id, "helpful": True}, headers=other
    )
    assert stranger.status_code == 404
    async with web_runtime.sessions() as session:
        votes = list(await session.scalars(select(AnswerFeedback)))
    assert [(v.answer_log_id, v.vote) for v in votes] == [(log_id, -1)]


async def test_officer_answer_reaches_the_asking_browser_only(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    chat, other = await open_web_chat(client), await open_web_chat(client)
    asked = (
        await client.post("/api/v1/web/ask", json={"question": UNKNOWN_QUESTION}, headers=chat)
    ).json()
    assert asked["answered"] is False
    handoff = await client.post(
        "/api/v1/web/handoff", json={"answer_log_id": asked["answer_log_id"]}, headers=chat
    )
    assert handoff.status_code == 200
    question_id = handoff.json()["open_question_id"]
    assert question_id == asked["open_question_id"]
    # Someone else's chat cannot hand off this question.
    stolen = await client.post(
        "/api/v1/web/handoff", json={"answer_log_id": asked["answer_log_id"]}, headers=other
    )
    assert stolen.status_code == 404

    answer = "天气请查询气象台；本平台答复知识产权政策问题。"
    answered = await client.post(
        f"/api/v1/admin/questions/{question_id}/answer",
        json={"answer": answer},
        headers=officer_headers,
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    messages = await messages_of(client, chat, 1)
    assert len(messages) == 1 and answer in str(messages[0]["text"])
    assert UNKNOWN_QUESTION in str(messages[0]["text"])
    later = await client.get(f"/api/v1/web/messages?after={messages[0]['id']}", headers=chat)
    assert later.json() == []
    assert (await client.get("/api/v1/web/messages", headers=other)).json() == []


async def test_officer_answer_reaches_the_browser_that_asked_without_a_handoff(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    chat = await open_web_chat(client)
    asked = (
        await client.post("/api/v1/web/ask", json={"question": UNKNOWN_QUESTION}, headers=chat)
    ).json()
    assert asked["answered"] is False and asked["open_question_id"] > 0
    answer = "天气请查询气象台；本平台答复知识产权政策问题。"
    answered = await client.post(
        f"/api/v1/admin/questions/{asked['open_question_id']}/answer",
        json={"answer": answer},
        headers=officer_headers,
    )
    assert answered.status_code == 200
    messages = await messages_of(client, chat, 1)
    assert len(messages) == 1 and answer in str(messages[0]["text"])


async def test_the_conversation_comes_back_with_the_chat(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    """A reload, or the next visit from the same browser, shows what was said (issue 16,
    item 6); another browser's chat shows nothing of it."""
    chat, other = await open_web_chat(client), await open_web_chat(client)
    cited = (
        await client.post(
            "/api/v1/web/ask", json={"question": "知识产权质押融资工作怎么开展?"}, headers=chat
        )
    ).json()
    unknown = (
        await client.post("/api/v1/web/ask", json={"question": UNKNOWN_QUESTION}, headers=chat)
    ).json()
    await client.post(
        f"/api/v1/admin/questions/{unknown['open_question_id']}/answer",
        json={"answer": "请查询气象台。"},
        headers=officer_headers,
    )
    await messages_of(client, chat, 1)
    said = (await client.get("/api/v1/web/history", headers=chat)).json()
    assert [s["kind"] for s in said] == ["exchange", "exchange", "officer"]
    first, second, officer = said
    assert first["question"] == "知识产权质押融资工作怎么开展?" and first["answered"] is True
    assert first["body"] == cited["body"]  # as first shown: the text without its citation
    assert [s["document"] for s in first["sources"]] == [
        s["document"] for s in cited["sources"][:3]
    ]
    assert first["answer_log_id"] == cited["answer_log_id"]
    assert (second["question"], second["answered"]) == (UNKNOWN_QUESTION, False)
    assert "请查询气象台。" in officer["text"]
    assert (await client.get("/api/v1/web/history", headers=other)).json() == []
    assert (await client.get("/api/v1/web/history")).status_code == 401


async def test_answered_question_can_be_handed_off_too(client: httpx.AsyncClient) -> None:
    chat = await open_web_chat(client)
    asked = (
        await client.post(
            "/api/v1/web/ask", json={"question": "知识产权质押融资工作怎么开展?"}, headers=chat
        )
    ).json()
    assert asked["answered"] is True and asked["open_question_id"] is None
    handoff = await client.post(
        "/api/v1/web/handoff", json={"answer_log_id": asked["answer_log_id"]}, headers=chat
    )
    assert handoff.status_code == 200 and handoff.json()["open_question_id"] > 0


async def test_chat_page_is_served_without_external_resources(client: httpx.AsyncClient) -> None:
    for path in ("/", "/chat"):
        page = await client.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "http://" not in page.text and "https://" not in page.text
    for asset in ("chat.js", "chat.css", "i18n.json"):
        response = await client.get(f"/static/web/{asset}")
        assert response.status_code == 200
        assert "https://" not in response.text
