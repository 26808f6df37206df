"""The questions of the benefits conversation and the profile sources behind them."""

from __future__ import annotations

import pytest

from benefits import conversation
from benefits.conversation import MAX_QUESTIONS, choice_values, open_facts, pick_fact
from benefits.profiles import company_record_facts, profile_of
from benefits.schema import Rule
from core.errors import InvalidInput
from events.models import Company
from policydesk.runtime import Runtime


def test_the_fact_deciding_most_benefits_is_asked_first(rules: list[Rule]) -> None:
    counts = open_facts(rules, {})
    first = pick_fact(rules, {}, [])
    # Patent counts decide the most benefits; applications come first (FACT_NAMES order on
    # a tie), and "0 applications" then settles the other counts too.
    assert first == "patent_applications" and counts[first] == max(counts.values())
    assert pick_fact(rules, {}, [first]) != first
    assert pick_fact(rules, {}, list(counts)[:MAX_QUESTIONS]) is None


def test_a_decided_fact_is_not_asked(rules: list[Rule]) -> None:
    # With patents granted, every rule on granted_patents is decided.
    facts = {"granted_patents": 3}
    assert "granted_patents" not in open_facts(rules, facts)


def test_text_choices_include_what_the_rules_name(rules: list[Rule]) -> None:
    industries = choice_values("industry", rules)
    assert {"汽车及零部件", "造纸装备"} <= set(industries) and industries[-1] == "其他"
    assert choice_values("demonstration_level", rules)[-1] is None


def test_company_record_maps_to_facts() -> None:
    company = Company(
        county="温县",
        industry="新能源",
        above_designated_size=True,
        invention_patents=2,
        utility_model_patents=3,
        design_patents=None,
    )
    facts = company_record_facts(company, has_financing_need=False)
    assert facts == {
        "county": "温县",
        "industry": "新能源",
        "above_designated_size": True,
        "invention_patents": 2,
    }  # an unknown design count leaves the total of granted patents unknown
    company.design_patents = 0
    facts = company_record_facts(company, has_financing_need=True)
    assert facts["granted_patents"] == 5 and facts["has_financing_need"] is True


async def test_answers_rounds_and_not_sure(rt: Runtime) -> None:
    async with rt.sessions() as session:
        first = await conversation.begin(session, 5, "zh")
        assert first is not None and first.choices[0][1] == "0"  # a count: 0, 1, 2, ...
        await conversation.answer(session, 5, first.fact, 2)
        assert (await profile_of(session, 5)).known() == {first.fact: 2}
        second = await conversation.next_question(session, 5, "en")
        assert second is not None and second.fact != first.fact
        assert second.text.endswith("?")
        await conversation.answer(session, 5, second.fact, -1)
        third = await conversation.next_question(session, 5, "zh")
        assert third is not None and third.fact not in {first.fact, second.fact}
        assert second.fact not in (await profile_of(session, 5)).known()
        again = await conversation.begin(session, 5, "zh")  # a new round may ask it again
        assert again is not None and again.fact == second.fact
        with pytest.raises(InvalidInput):
            await conversation.answer(session, 5, first.fact, 99)
        with pytest.raises(InvalidInput):
            await conversation.answer(session, 5, "employees", 0)
