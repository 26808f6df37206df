"""Officers' rule edits reach /ask: the index takes the rules from the rules table, and a
rule change builds a new index version that this replica serves at once and every other
replica switches to on its next poll."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from benefits.admin import delete_one, put_one
from benefits.schema import Rule
from benefits.seed import read_pack_rules
from knowledge.embedding import Embedder
from knowledge.refresher import IndexRefresher
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime
from tests.clients import api_client, bearer
from tests.conftest import make_settings

RULE = "reward-gbt29490-certification"
ASK = "/api/v1/ask"


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(runtime, start=True) as client:
        yield client


def rule_items(kb: KnowledgeBase) -> set[str]:
    assert kb.searcher is not None
    return {e.item for e in kb.searcher.index.entries if e.kind == "rule"}


async def test_the_first_index_already_holds_the_seeded_rules(runtime: Runtime) -> None:
    rules = await read_pack_rules()
    assert rule_items(runtime.knowledge) == {f"rule:{r.id}" for r in rules}


async def test_an_edited_rule_is_answered_in_its_new_wording_and_a_deleted_one_is_gone(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path, embedder: Embedder
) -> None:
    admin = await bearer(runtime, "admin")
    (old,) = [r for r in await read_pack_rules() if r.id == RULE]
    edited = Rule.model_validate(
        {
            **old.to_data(),
            "title": "贯标认证星火奖励",
            "benefit": "通过贯标认证的企业可申领星火奖励,由市知识产权局一次性发放星火奖励金。",
        }
    )
    version = runtime.knowledge.version
    response = await client.put(f"/api/v1/admin/rules/{RULE}", json=edited.to_data(), headers=admin)
    assert response.json() == {"added": [], "changed": [RULE], "removed": []}
    assert runtime.knowledge.version != version

    body = (await client.post(ASK, json={"question": "贯标认证星火奖励怎么申领?"})).json()
    assert body["answered"] is True
    top = body["sources"][0]
    assert (top["kind"], top["text"], top["quote"]) == ("rule", edited.benefit, old.quote)
    assert top["document"] == "焦作市国家知识产权试点城市建设实施方案" and top["section"]
    assert edited.benefit in body["answer"] and f"“{old.quote}”" in body["answer"]

    # Another replica (its own disk) switches to the new version on its next poll.
    other = KnowledgeBase(make_settings(tmp_path / "replica", runtime.settings.database_url))
    other.embedder = embedder
    assert await IndexRefresher(other, runtime.sessions, 1.0).check() is True
    assert other.version == runtime.knowledge.version
    hits = other.search("贯标认证星火奖励怎么申领?")
    assert hits[0].entry.item == f"rule:{RULE}" and hits[0].entry.text == edited.benefit

    response = await client.delete(f"/api/v1/admin/rules/{RULE}", headers=admin)
    assert response.json()["removed"] == [RULE]
    assert f"rule:{RULE}" not in rule_items(runtime.knowledge)
    body = (await client.post(ASK, json={"question": "贯标认证星火奖励怎么申领?"})).json()
    assert all(s["text"] != edited.benefit for s in body["sources"])
    assert "星火" not in body["answer"]
    assert await IndexRefresher(other, runtime.sessions, 1.0).check() is True
    assert f"rule:{RULE}" not in rule_items(other)


async def test_a_write_without_a_knowledge_base_reaches_ask_at_the_next_poll(
    runtime: Runtime,
) -> None:
    """The admin UI writes with the session factory only: the version is recorded, and
    the refresher of every replica (this one too) builds and loads it."""
    (old,) = [r for r in await read_pack_rules() if r.id == RULE]
    edited = Rule.model_validate({**old.to_data(), "benefit": "贯标认证企业另享月光奖励礼包。"})
    version = runtime.knowledge.version
    assert [c.after for c in await put_one(runtime.sessions, edited, "admin ui")] == [edited]
    assert runtime.knowledge.version == version  # not built in the call
    assert await IndexRefresher(runtime.knowledge, runtime.sessions, 1.0).check() is True
    hits = runtime.knowledge.search("贯标认证月光奖励礼包")
    assert hits[0].entry.item == f"rule:{RULE}" and hits[0].entry.text == edited.benefit
    await delete_one(runtime.sessions, RULE, "admin ui")
    assert await IndexRefresher(runtime.knowledge, runtime.sessions, 1.0).check() is True
    assert f"rule:{RULE}" not in rule_items(runtime.knowledge)
