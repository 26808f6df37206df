"""FAQ editing through the API changes answers at once."""

from __future__ import annotations

import re
from datetime import datetime

import httpx

from core.clock_display import office_zone
from policydesk.runtime import Runtime, initialise
from tests.web.conftest import open_web_chat

QUESTION = "知识产权局的办公地址在哪里?"
ANSWER = "焦作市知识产权局位于人民路 1 号(示例)。"


async def _ask(client: httpx.AsyncClient, question: str) -> dict:
    chat = await open_web_chat(client)
    return (await client.post("/api/v1/web/ask", json={"question": question}, headers=chat)).json()


async def test_faq_create_update_delete_take_effect_immediately(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    assert ANSWER not in (await _ask(client, QUESTION))["answer"]
    created = await client.post(
        "/api/v1/admin/faq",
        json={"question": QUESTION, "answer": ANSWER, "paraphrases": ["你们在哪里办公"]},
        headers=officer_headers,
    )
    assert created.status_code == 201, created.text
    faq = created.json()
    assert faq["origin"] == "officer" and faq["slug"].startswith("officer-")
    assert ANSWER in (await _ask(client, QUESTION))["answer"]

    changed = dict(faq, answer="新地址:解放路 2 号(示例)。")
    updated = await client.put(
        f"/api/v1/admin/faq/{faq['id']}", json=changed, headers=officer_headers
    )
    assert updated.status_code == 200
    assert "解放路" in (await _ask(client, QUESTION))["answer"]

    page = await client.get("/api/v1/admin/faq?search=解放路", headers=officer_headers)
    assert [item["id"] for item in page.json()["items"]] == [faq["id"]]

    deleted = await client.delete(f"/api/v1/admin/faq/{faq['id']}", headers=officer_headers)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/v1/admin/faq/{faq['id']}", headers=officer_headers)
    ).status_code == 404
    assert "解放路" not in (await _ask(client, QUESTION))["answer"]


async def test_faq_with_unknown_document_is_refused(
    client: httpx.AsyncClient, officer_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/admin/faq",
        json={"question": "问", "answer": "答", "document_slug": "no-such-doc"},
        headers=officer_headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "document_slug"


async def test_a_retired_pack_entry_stays_retired_when_the_pack_is_loaded_again(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    """Officers retire an FAQ entry (active: false) without deleting it; `init` loading
    the pack again neither brings it back nor overwrites an officer's edit."""
    listing = await client.get("/api/v1/admin/faq", params={"q": "贯标"}, headers=officer_headers)
    entry = next(e for e in listing.json()["items"] if e["origin"] == "pack")
    body = {k: entry[k] for k in ("question", "answer", "paraphrases", "document_slug", "quote")}
    retired = await client.put(
        f"/api/v1/admin/faq/{entry['id']}", json={**body, "active": False}, headers=officer_headers
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["active"] is False and retired.json()["origin"] == "officer"
    await initialise(web_runtime)
    again = await client.get(f"/api/v1/admin/faq/{entry['id']}", headers=officer_headers)
    assert again.json()["active"] is False, "the pack brought a retired entry back"
    answer = await _ask(client, entry["question"])
    assert all(s["text"] != entry["answer"] for s in answer["sources"])


async def test_an_officer_entry_without_a_document_cites_the_office_and_the_day(
    client: httpx.AsyncClient, officer_headers: dict[str, str], web_runtime: Runtime
) -> None:
    kb = web_runtime.knowledge
    kb.settings = kb.settings.model_copy(update={"office_name": "示例市知识产权局"})
    created = await client.post(
        "/api/v1/admin/faq",
        json={"question": QUESTION, "answer": ANSWER, "paraphrases": ["你们在哪里办公"]},
        headers=officer_headers,
    )
    assert created.status_code == 201, created.text
    reply = await _ask(client, QUESTION)
    day = re.search(
        r"（依据：工作人员答复（示例市知识产权局，(\d{4}-\d{2}-\d{2})））", reply["answer"]
    )
    assert ANSWER in reply["answer"] and day is not None and "《》" not in reply["answer"]
    # On the office's clock (Asia/Shanghai by default), the day the answer was written.
    assert day.group(1) == datetime.now(office_zone("Asia/Shanghai")).date().isoformat()
    # Its own citation, not the plan's clauses that happen to rank below it.
    [own] = reply["sources"]
    assert (
        own["document"] == ""
        and own["cited"] == f"工作人员答复（示例市知识产权局，{day.group(1)}）"
    )
