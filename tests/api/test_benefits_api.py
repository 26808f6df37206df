"""The benefits API: matching (public) and rule maintenance (admin role), on both databases.

The app runs over a runtime without a search index (matching needs none), so the
lifespan that would build one is not entered; rule writes build one (the rules are
searchable too), with the test run's shared embedding model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from benefits.profiles import save_answers
from benefits.schema import CompanyProfile
from campaigns.models import Delivery
from campaigns.service import start_due
from core.db import utcnow, write_transaction
from knowledge.embedding import Embedder
from policydesk.runtime import Runtime
from tests.benefits.helpers import add_subscriber, matching_runtime
from tests.clients import api_client, bearer

MATCH = "/api/v1/benefits/match"


@pytest.fixture
async def rt(tmp_path: Path, db_url: str, embedder: Embedder) -> AsyncIterator[Runtime]:
    async with matching_runtime(tmp_path, db_url) as runtime:
        runtime.knowledge.embedder = embedder
        yield runtime


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(rt, start=False) as client:
        yield client


async def test_match_lists_eligible_and_potential_with_clauses(client: httpx.AsyncClient) -> None:
    profile = {"above_designated_size": True, "patent_applications": 0}
    response = await client.post(MATCH, json={"profile": profile})
    assert response.status_code == 200
    body = response.json()
    (zero,) = body["eligible"]
    assert zero["title"] == "消零行动专项资金" and zero["status"] == "eligible"
    assert zero["document"] == "焦作市国家知识产权试点城市建设实施方案"
    assert zero["section"] and zero["quote"] and zero["next_step"] is None
    assert "规模以上" in zero["reason"]
    gbt = next(i for i in body["potential"] if i["id"] == "reward-gbt29490-certification")
    assert gbt["next_step"] and gbt["unknown"] == ["gbt29490_certified"]
    assert all(
        set(i) >= {"title", "reason", "document", "section", "quote"} for i in body["potential"]
    )


async def test_english_reasons(client: httpx.AsyncClient) -> None:
    response = await client.post(
        MATCH, json={"profile": {"gbt29490_certified": True}, "locale": "en"}
    )
    (item,) = response.json()["eligible"]
    assert item["reason"].startswith("meets:")


@pytest.mark.parametrize(
    "body",
    [
        {"profile": {"patent_applications": -1}},
        {"profile": {"demonstration_level": "county"}},
        {"profile": {"employees": 5}},
        {"profile": {"gbt29490_certified": "maybe"}},
        {"profile": {}, "locale": "fr"},
        {},
    ],
)
async def test_invalid_profiles_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post(MATCH, json=body)
    assert response.status_code == 422, response.text


async def test_facts_describe_the_questions(client: httpx.AsyncClient) -> None:
    facts = (await client.get("/api/v1/benefits/facts")).json()
    level = next(f for f in facts if f["name"] == "demonstration_level")
    assert level["values"] == ["national", "provincial", "city"] and level["question"]
    assert level["choices"][-1] == {"value": None, "label": "不是示范单位"}
    size = next(f for f in facts if f["name"] == "above_designated_size")
    assert [c["value"] for c in size["choices"]] == [True, False]
    count = next(f for f in facts if f["name"] == "invention_patents")
    assert count["choices"] is None and count["unit"]
    assert len(facts) == 14
    english = (await client.get("/api/v1/benefits/facts?locale=en")).json()
    level = next(f for f in english if f["name"] == "demonstration_level")
    assert level["choices"][0] == {"value": "national", "label": "national"}


async def test_rules_admin_needs_the_admin_role(client: httpx.AsyncClient, rt: Runtime) -> None:
    assert (await client.get("/api/v1/admin/rules")).status_code == 401
    officer = await bearer(rt, "officer")
    assert (await client.get("/api/v1/admin/rules", headers=officer)).status_code == 403
    admin = await bearer(rt, "admin")
    rules = (await client.get("/api/v1/admin/rules", headers=admin)).json()["rules"]
    assert rules[4]["conditions"] == [
        {"fact": "demonstration_level", "in": ["national", "provincial"]}
    ]


async def test_put_rule_validates_and_notifies(client: httpx.AsyncClient, rt: Runtime) -> None:
    admin = await bearer(rt, "admin")
    await add_subscriber(rt, 77)
    async with rt.sessions() as session:
        await save_answers(session, 77, CompanyProfile(software_copyrights=2))
        await session.commit()
    rules = (await client.get("/api/v1/admin/rules", headers=admin)).json()["rules"]
    rule = {
        **rules[0],
        "id": "software-support",
        "title": "软件著作权扶持",
        "conditions": [{"fact": "software_copyrights", "at_least": 1}],
    }
    url = "/api/v1/admin/rules/software-support"

    bad = {**rule, "conditions": [{"fact": "software_copyrights", "at_least": -1}]}
    response = await client.put(url, json=bad, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "conditions", 0, "at_least"]
    response = await client.put(url, json={**rule, "quote": "给予重奖"}, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "quote"

    response = await client.put(url, json=rule, headers=admin)
    assert response.json() == {"added": ["software-support"], "changed": [], "removed": []}
    # The notice is a system campaign, listed for officers, sent by the campaign workers.
    officer = await bearer(rt, "officer")
    (notice,) = (await client.get("/api/v1/admin/campaigns", headers=officer)).json()
    shown = (notice["kind"], notice["system"], notice["status"])
    assert shown == ("benefit_notice", True, "scheduled")
    assert "软件著作权扶持" in notice["title"] and "软件著作权扶持" in notice["text"]
    async with write_transaction(rt.sessions) as session:
        await start_due(session, utcnow())
        texts = list(await session.execute(select(Delivery.chat_id, Delivery.text)))
    assert len(texts) == 1 and texts[0][0] == 77 and "软件著作权扶持" in texts[0][1]
    notice = (await client.get(f"/api/v1/admin/campaigns/{notice['id']}", headers=officer)).json()
    assert (notice["status"], notice["stats"]["targeted"]) == ("sending", 1)
    matched = (await client.post(MATCH, json={"profile": {"software_copyrights": 2}})).json()
    assert "software-support" in {i["id"] for i in matched["eligible"]}

    response = await client.delete(url, headers=admin)
    assert response.json()["removed"] == ["software-support"]
    assert (await client.delete(url, headers=admin)).status_code == 404


async def test_replace_all_refuses_duplicates(client: httpx.AsyncClient, rt: Runtime) -> None:
    admin = await bearer(rt, "admin")
    rules = (await client.get("/api/v1/admin/rules", headers=admin)).json()["rules"]
    response = await client.put(
        "/api/v1/admin/rules", json={"rules": [rules[0], rules[0]]}, headers=admin
    )
    assert response.status_code == 422 and response.json()["field"] == "rules[1].id"
    response = await client.put("/api/v1/admin/rules", json={"rules": rules[:3]}, headers=admin)
    assert len(response.json()["removed"]) == len(rules) - 3
