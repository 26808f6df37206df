"""Matching examples taken from the plan's own clauses, over the pack's rules."""

from __future__ import annotations

import pytest

from benefits.matcher import Status, assess, match
from benefits.reasons import reason
from benefits.schema import CompanyProfile, Rule

ELIGIBLE, POTENTIAL, NA = Status.ELIGIBLE, Status.POTENTIAL, Status.NOT_APPLICABLE


def status(rule: Rule, **profile: object) -> Status:
    return assess(rule, CompanyProfile.model_validate(profile).known()).status


@pytest.mark.parametrize(
    ("rule_id", "profile", "expected"),
    [
        # 对贯标认证企业给予奖励
        ("reward-gbt29490-certification", {"gbt29490_certified": True}, ELIGIBLE),
        ("reward-gbt29490-certification", {}, POTENTIAL),
        ("reward-gbt29490-certification", {"gbt29490_certified": False}, POTENTIAL),
        # 消零: 规模以上 and no patent application yet
        (
            "fund-zero-patent-elimination",
            {"above_designated_size": True, "patent_applications": 0},
            ELIGIBLE,
        ),
        (
            "fund-zero-patent-elimination",
            {"above_designated_size": True, "patent_applications": 3},
            NA,
        ),
        (
            "fund-zero-patent-elimination",
            {"above_designated_size": False, "patent_applications": 0},
            NA,
        ),
        ("fund-zero-patent-elimination", {"patent_applications": 0}, POTENTIAL),
        # 凡被认定国家和省级示范…分别给予奖励
        (
            "reward-national-provincial-demonstration",
            {"demonstration_level": "provincial"},
            ELIGIBLE,
        ),
        ("reward-national-provincial-demonstration", {"demonstration_level": "city"}, POTENTIAL),
        # 在试点单位基础上创建示范单位并进行奖励
        (
            "reward-city-demonstration",
            {"pilot_unit": True, "demonstration_level": "city"},
            ELIGIBLE,
        ),
        ("reward-city-demonstration", {"pilot_unit": True, "demonstration_level": None}, POTENTIAL),
        ("reward-city-demonstration", {"pilot_unit": False, "demonstration_level": None}, NA),
        ("reward-city-demonstration", {"pilot_unit": True, "demonstration_level": "national"}, NA),
        # 银企对接: a financing need and a patent
        (
            "recommend-pledge-financing",
            {"has_financing_need": True, "granted_patents": 2},
            ELIGIBLE,
        ),
        (
            "recommend-pledge-financing",
            {"has_financing_need": True, "granted_patents": 0},
            POTENTIAL,
        ),
        ("recommend-pledge-financing", {"has_financing_need": False, "granted_patents": 2}, NA),
        # any_of: 专利、驰名商标、软件著作权
        ("priority-support-ip-holders", {"software_copyrights": 1}, ELIGIBLE),
        (
            "priority-support-ip-holders",
            {"granted_patents": 0, "famous_trademark": False},
            POTENTIAL,
        ),
        (
            "priority-support-ip-holders",
            {"granted_patents": 0, "famous_trademark": False, "software_copyrights": 0},
            POTENTIAL,
        ),
        ("key-industry-cultivation", {"industry": "新能源"}, ELIGIBLE),
        ("key-industry-cultivation", {"industry": "餐饮"}, NA),
        ("service-invention-rewards", {"has_service_inventions": False}, NA),
    ],
)
def test_plan_examples(
    rules_by_id: dict[str, Rule], rule_id: str, profile: dict[str, object], expected: Status
) -> None:
    assert status(rules_by_id[rule_id], **profile) is expected


def test_reasons_name_the_facts(rules_by_id: dict[str, Rule]) -> None:
    rule = rules_by_id["fund-zero-patent-elimination"]
    facts = {"above_designated_size": True, "patent_applications": 0}
    text = reason(assess(rule, facts), facts)
    assert text.startswith("符合：") and "规模以上" in text and "贵单位：0件" in text
    english = reason(assess(rule, facts), facts, "en")
    assert english.startswith("meets:") and "(yours: 0)" in english


def test_unknown_and_missing_are_said(rules_by_id: dict[str, Rule]) -> None:
    rule = rules_by_id["recommend-pledge-financing"]
    facts = {"granted_patents": 0}
    outcome = assess(rule, facts)
    assert outcome.status is POTENTIAL
    assert [c.fact for c in outcome.unknown] == ["has_financing_need"]
    assert [c.fact for group in outcome.missing for c in group] == ["granted_patents"]
    text = reason(outcome, facts)
    assert "还差：授权专利" in text and "尚需确认：有融资需求" in text


def test_empty_profile_makes_every_benefit_possible_and_nothing_eligible(
    rules: list[Rule],
) -> None:
    outcomes = [o for o in match(rules, {}) if o.rule.is_benefit]
    assert {o.status for o in outcomes} == {POTENTIAL}
    assert all(o.unknown and not o.met for o in outcomes)
