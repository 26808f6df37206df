"""The public ask route over real HTTP semantics (httpx ASGI transport) on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from knowledge.models import AnswerLog, OpenQuestion
from policydesk.runtime import Runtime
from tests.clients import api_client


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(runtime, start=True) as client:
        yield client


async def test_answer_cites_document_and_section(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/ask", json={"question": "知识产权质押融资工作怎么开展?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert 0 <= body["confidence"] <= 1
    top = body["sources"][0]
    assert top["document"] == "焦作市国家知识产权试点城市建设实施方案"
    assert top["section"]
    assert any("质押融资" in s["quote"] for s in body["sources"][:3])
    assert len(body["sources"]) <= 10


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
async def test_blank_question_is_422(client: httpx.AsyncClient, question: str) -> None:
    response = await client.post("/api/v1/ask", json={"question": question})
    assert response.status_code == 422


async def test_overlong_question_is_refused_with_a_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/ask", json={"question": "专利" * 251})
    assert response.status_code == 422
    assert "500" in response.text


async def test_unknown_question_is_declined_and_queued_for_officers(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    response = await client.post("/api/v1/ask", json={"question": "明天焦作的天气怎么样?"})
    body = response.json()
    assert body["answered"] is False
    assert body["open_question_id"] is not None
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OpenQuestion)) == 1
        assert await session.scalar(select(func.count()).select_from(AnswerLog)) == 1


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/ask" in schema["paths"]


async def test_expired_documents_only_on_request(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    from knowledge.ingest import ingest_bytes

    text = "一、说明\n1.旧政策。对参加2010年专利周活动的企业给予一次性专利周参展补贴。\n"
    async with runtime.sessions() as session:
        await ingest_bytes(
            session,
            runtime.knowledge,
            [("old.txt", text.encode(), {"title": "旧通知", "valid_until": "2012-12-31"})],
        )
        await session.commit()
    plain = (await client.post("/api/v1/ask", json={"question": "专利周参展补贴"})).json()
    assert all(s["document"] != "旧通知" for s in plain["sources"])
    wide = await client.post(
        "/api/v1/ask", json={"question": "专利周参展补贴", "include_expired": True}
    )
    assert any(s["document"] == "旧通知" for s in wide.json()["sources"])


async def test_a_conversation_id_carries_a_follow_up(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/v1/ask", json={"question": "贯标认证有什么奖励?"})).json()
    conversation = first["conversation_id"]
    assert len(conversation) >= 8
    follow = {"question": "那消零企业呢?", "conversation_id": conversation}
    body = (await client.post("/api/v1/ask", json=follow)).json()
    assert body["conversation_id"] == conversation
    assert body["answered"] is True
    alone = (await client.post("/api/v1/ask", json={"question": "那消零企业呢?"})).json()
    assert alone["conversation_id"] != conversation
    bad = await client.post("/api/v1/ask", json={"question": "你好", "conversation_id": "x y"})
    assert bad.status_code == 422
