"""The rules table: seeded from the pack, edited by officers, validated on every write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from benefits.admin import delete_one, put_one, replace_all
from benefits.loading import RulesError
from benefits.models import BenefitRule
from benefits.schema import CompanyProfile, Rule
from benefits.seed import seed_pack_rules
from benefits.service import match_profile
from benefits.store import active_rules
from core.errors import NotFound
from knowledge.chunking import chunk_document
from knowledge.models import Document
from policydesk.runtime import Runtime


def edited(rule: Rule, **changes: object) -> Rule:
    return Rule.model_validate({**rule.to_data(), **changes})


async def test_seeding_is_idempotent_and_keeps_the_pack_order(
    rt: Runtime, rules: list[Rule]
) -> None:
    assert await seed_pack_rules(rt.sessions) == []
    async with rt.sessions() as session:
        assert [r.id for r in await active_rules(session)] == [r.id for r in rules]


async def test_officer_edits_survive_a_pack_reseed(rt: Runtime, rules: list[Rule]) -> None:
    rule = edited(rules[0], title="专利申请资助(2026年版)")
    changes = await put_one(rt.sessions, rule, "officer")
    assert [(c.before, c.after) for c in changes] == [(rules[0], rule)]
    await delete_one(rt.sessions, rules[1].id, "officer")
    assert await seed_pack_rules(rt.sessions) == []
    async with rt.sessions() as session:
        stored = await active_rules(session)
    assert stored[0].title == "专利申请资助(2026年版)"
    assert rules[1].id not in {r.id for r in stored}
    assert await put_one(rt.sessions, rule, "officer") == []  # unchanged: nothing to tell


async def test_replace_all_adds_changes_and_removes(rt: Runtime, rules: list[Rule]) -> None:
    new = edited(rules[3], id="reward-gbt29490-renewal", title="贯标复审奖励")
    changes = await replace_all(rt.sessions, [new, rules[0]], "officer")
    summary = {
        (c.before.id if c.before else None, c.after.id if c.after else None) for c in changes
    }
    assert (None, new.id) in summary
    assert (rules[2].id, None) in summary
    assert (rules[0].id, rules[0].id) not in summary  # unchanged
    async with rt.sessions() as session:
        assert [r.id for r in await active_rules(session)] == [new.id, rules[0].id]
        row = await session.scalar(select(BenefitRule).where(BenefitRule.slug == new.id))
        assert row is not None and row.origin == "admin" and row.updated_by == "officer"


async def test_writes_refuse_a_quote_that_is_not_in_the_document(
    rt: Runtime, rules: list[Rule]
) -> None:
    with pytest.raises(RulesError) as caught:
        await put_one(rt.sessions, edited(rules[0], quote="对所有企业给予重奖"), "officer")
    assert caught.value.problems[0].field == "quote"
    with pytest.raises(RulesError) as caught:
        await replace_all(rt.sessions, [rules[0], edited(rules[1], document="other-plan")], "x")
    assert caught.value.problems[0].field == "rules[1].document"
    with pytest.raises(RulesError) as caught:
        await replace_all(rt.sessions, [rules[0], rules[0]], "x")
    assert "duplicate" in caught.value.message
    async with rt.sessions() as session:
        assert len(await active_rules(session)) == len(rules)  # nothing half-written


async def test_deleting_an_unknown_rule_is_not_found(rt: Runtime) -> None:
    with pytest.raises(NotFound):
        await delete_one(rt.sessions, "no-such-rule", "officer")


async def test_match_cites_title_section_and_verbatim_quote(rt: Runtime) -> None:
    profile = CompanyProfile(gbt29490_certified=True, above_designated_size=True)
    async with rt.sessions() as session:
        result = await match_profile(session, profile)
        text = await session.scalar(select(Document.text))
    (item,) = [i for i in result.eligible if i.id == "reward-gbt29490-certification"]
    assert item.document == "焦作市国家知识产权试点城市建设实施方案"
    assert item.quote == "对贯标认证企业给予奖励" and item.quote in (text or "")
    holder = next(c for c in chunk_document(text or "") if item.quote in c.text)
    assert item.section == holder.section and item.section.startswith("三、")
    assert item.next_step is None and "贯标" in item.reason
    zero = next(i for i in result.potential if i.id == "fund-zero-patent-elimination")
    assert zero.next_step and zero.unknown == ["patent_applications"]
