"""Properties of matching over generated company profiles (hypothesis).

- Learning a fact never takes away an eligible benefit; for rules whose conditions all
  point "upward" (more patents, a certification, a higher level), having more of a fact
  never takes one away either. The 消零 rule (no patent application yet) is not upward.
- Filling the unknown facts of a possible benefit with values that satisfy it makes it
  eligible: unknowns are the only thing between "possible" and "eligible".
- Every benefit shown quotes its clause verbatim and cites the section holding it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benefits.citations import SourceDocument
from benefits.matcher import Facts, Status, assess, holds, is_upward, match
from benefits.schema import (
    DEMONSTRATION_LEVELS,
    FACT_KINDS,
    FACT_NAMES,
    LEVEL_RANK,
    Condition,
    Rule,
)
from benefits.service import build_result
from knowledge.chunking import chunk_document

INDUSTRIES = ["汽车及零部件", "造纸装备", "节能环保", "新能源", "新材料", "餐饮", "化工"]
COUNTIES = ["解放区", "温县", "沁阳市", "孟州市"]
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def fact_values(fact: str) -> st.SearchStrategy[Any]:
    kind = FACT_KINDS[fact]
    if kind == "bool":
        return st.booleans()
    if kind == "count":
        return st.integers(0, 6)
    if kind == "level":
        return st.sampled_from([None, *DEMONSTRATION_LEVELS])
    return st.sampled_from(INDUSTRIES if fact == "industry" else COUNTIES)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Known facts only: each fact is known or left out (unknown)."""
    known = draw(st.lists(st.sampled_from(FACT_NAMES), unique=True))
    return {fact: draw(fact_values(fact)) for fact in known}


@st.composite
def raised(draw: st.DrawFn, facts: dict[str, Any]) -> dict[str, Any]:
    """The same company with more of some known facts (never less of any)."""
    out = dict(facts)
    for fact, value in facts.items():
        kind = FACT_KINDS[fact]
        if not draw(st.booleans()):
            continue
        if kind == "count":
            out[fact] = value + draw(st.integers(1, 5))
        elif kind == "bool":
            out[fact] = True
        elif kind == "level":
            higher = [lv for lv in DEMONSTRATION_LEVELS if LEVEL_RANK[lv] >= LEVEL_RANK[value]]
            out[fact] = draw(st.sampled_from(higher)) if higher else value
    return out


def satisfying(condition: Condition) -> Any:
    op, expected = condition.operator, condition.expected
    if op == "at_least":
        return expected + 1
    return expected if op == "equals" else expected[0]


def upward(rule: Rule) -> bool:
    ordered = [c for c in [*rule.conditions, *rule.any_of] if FACT_KINDS[c.fact] != "text"]
    return all(is_upward(c) for c in ordered)


def statuses(rules: list[Rule], facts: Facts) -> dict[str, Status]:
    return {o.rule.id: o.status for o in match(rules, facts)}


@SETTINGS
@given(data=st.data(), facts=profiles())
def test_more_of_a_fact_never_removes_an_upward_benefit(
    rules: list[Rule], data: st.DataObject, facts: dict[str, Any]
) -> None:
    more = data.draw(raised(facts))
    before, after = statuses(rules, facts), statuses(rules, more)
    for rule in filter(upward, rules):
        if before[rule.id] is Status.ELIGIBLE:
            assert after[rule.id] is Status.ELIGIBLE, (rule.id, facts, more)
        if before[rule.id] is Status.POTENTIAL:
            assert after[rule.id] is not Status.NOT_APPLICABLE, (rule.id, facts, more)


def test_the_upward_rules_are_most_of_the_pack(rules: list[Rule]) -> None:
    not_upward = {r.id for r in rules if not upward(r)}
    assert not_upward == {"fund-zero-patent-elimination", "reward-city-demonstration"}


@SETTINGS
@given(data=st.data(), facts=profiles())
def test_learning_a_fact_never_turns_eligible_into_not_eligible(
    rules: list[Rule], data: st.DataObject, facts: dict[str, Any]
) -> None:
    unknown = [f for f in FACT_NAMES if f not in facts]
    learned = data.draw(st.lists(st.sampled_from(unknown), unique=True)) if unknown else []
    more = {**facts, **{f: data.draw(fact_values(f)) for f in learned}}
    before, after = statuses(rules, facts), statuses(rules, more)
    for rule_id, status in before.items():
        if status is Status.ELIGIBLE:
            assert after[rule_id] is Status.ELIGIBLE, (rule_id, facts, more)


@SETTINGS
@given(facts=profiles())
def test_satisfying_the_unknowns_of_a_possible_benefit_makes_it_eligible(
    rules: list[Rule], facts: dict[str, Any]
) -> None:
    for outcome in match(rules, facts):
        if outcome.status is not Status.POTENTIAL or outcome.missing:
            continue
        assert outcome.unknown, outcome.rule.id  # potential without missing = unknown facts
        filled = dict(facts)
        for condition in outcome.rule.conditions:
            if holds(condition, filled) is None:
                filled[condition.fact] = satisfying(condition)
        if outcome.rule.any_of and not any(holds(c, filled) for c in outcome.rule.any_of):
            pick = next(c for c in outcome.rule.any_of if holds(c, filled) is None)
            filled[pick.fact] = satisfying(pick)
        assert assess(outcome.rule, filled).status is Status.ELIGIBLE, (outcome.rule.id, filled)


@SETTINGS
@given(facts=profiles())
def test_an_unknown_fact_of_a_required_condition_is_never_eligible(
    rules: list[Rule], facts: dict[str, Any]
) -> None:
    for outcome in match(rules, facts):
        if any(c.fact not in facts for c in outcome.rule.conditions):
            assert outcome.status is not Status.ELIGIBLE, outcome.rule.id
        if outcome.status is Status.ELIGIBLE:
            assert not outcome.unknown and not outcome.missing


@SETTINGS
@given(facts=profiles(), locale=st.sampled_from(["zh", "en"]))
def test_every_item_quotes_its_document_verbatim(
    rules: list[Rule], documents: dict[str, str], facts: dict[str, Any], locale: Any
) -> None:
    sources = {
        slug: SourceDocument(slug, slug.upper(), text, chunk_document(text))
        for slug, text in documents.items()
    }
    result = build_result(match(rules, facts), facts, sources, locale)
    for item in [*result.eligible, *result.potential]:
        rule = next(r for r in rules if r.id == item.id)
        source = sources[rule.document]
        assert item.quote and item.quote in source.text
        assert item.document == source.title and item.reason
        holders = [c.section for c in source.chunks if item.quote[:12] in c.text]
        assert item.section in holders
        assert (item.next_step is not None) == (item.status == "potential")
