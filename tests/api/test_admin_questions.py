"""An officer answers an open question over the admin API; the asker's chat gets it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from campaigns.outbox import service_messages
from knowledge.open_questions import attach_chat
from knowledge.questions import ask_and_record
from policydesk.runtime import Runtime
from tests.clients import api_client, bearer


@pytest.fixture
async def client(light_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(light_runtime, start=True) as client:
        yield client


async def _open_question(runtime: Runtime, chat_id: int | None) -> int:
    async with runtime.sessions() as session:
        answer, _ = await ask_and_record(
            session, runtime.knowledge, "明天焦作的天气怎么样?", channel="telegram", user_key="tg:5"
        )
        assert answer.open_question_id is not None
        if chat_id is not None:
            await attach_chat(session, answer.open_question_id, "telegram", chat_id)
        await session.commit()
        return answer.open_question_id


async def test_officer_answer_is_sent_to_the_chat_once(
    client: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    question_id = await _open_question(light_runtime, chat_id=5)
    headers = await bearer(light_runtime, "officer", "officer-1")
    url = f"/api/v1/admin/questions/{question_id}/answer"

    response = await client.post(url, json={"answer": "请关注气象台。"}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["answered_by"], body["delivered_to_chat"]) == (
        "answered",
        "officer-1",
        True,
    )
    assert await _queued(light_runtime) == [("5", "明天焦作的天气怎么样?\n\n请关注气象台。")]

    again = await client.post(url, json={"answer": "again"}, headers=headers)
    assert again.status_code == 409
    assert len(await _queued(light_runtime)) == 1


async def _queued(runtime: Runtime) -> list[tuple[str | None, str | None]]:
    """What the outbox holds for Telegram chats."""
    async with runtime.sessions() as session:
        return [(m.address, m.text) for m in await service_messages(session, "telegram")]


async def test_answer_route_refuses_strangers_and_bad_input(
    client: httpx.AsyncClient, light_runtime: Runtime
) -> None:
    question_id = await _open_question(light_runtime, chat_id=None)
    url = f"/api/v1/admin/questions/{question_id}/answer"
    assert (await client.post(url, json={"answer": "x"})).status_code == 401
    wrong = {"Authorization": "Bearer pd_not-a-real-token"}
    assert (await client.post(url, json={"answer": "x"}, headers=wrong)).status_code == 401
    headers = await bearer(light_runtime, "officer", "officer-1")
    assert (await client.post(url, json={"answer": ""}, headers=headers)).status_code == 422
    assert (await client.post(url, json={"answer": "  "}, headers=headers)).status_code == 422
    missing = "/api/v1/admin/questions/99999/answer"
    assert (await client.post(missing, json={"answer": "x"}, headers=headers)).status_code == 404
    # Not tied to a chat: answered and recorded, nothing to deliver.
    response = await client.post(url, json={"answer": "已答复"}, headers=headers)
    assert response.status_code == 200 and response.json()["delivered_to_chat"] is False
