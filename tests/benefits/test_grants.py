"""A rule is listed as a benefit only when its clause gives the company something: money,
a reward, a service or priority (``Rule.grants``). Issue 17, item 6: 专利权作价入股 and
科技奖项推荐的发明专利条件 were listed although they give the company nothing."""

from __future__ import annotations

from benefits.matcher import Status, assess, match
from benefits.schema import Rule

ALL_MET = {
    "patent_applications": 10,
    "granted_patents": 10,
    "invention_patents": 10,
    "software_copyrights": 10,
    "above_designated_size": True,
    "famous_trademark": True,
    "gbt29490_certified": True,
    "demonstration_level": "provincial",
    "pilot_unit": True,
    "has_financing_need": True,
    "high_tech": True,
    "has_service_inventions": True,
    "industry": "新能源",
}


def test_every_pack_rule_says_what_it_grants(rules: list[Rule]) -> None:
    assert all(rule.grants is not None for rule in rules)


def test_rules_that_grant_nothing_never_apply(rules_by_id: dict[str, Rule]) -> None:
    for rule_id in ("support-patent-equity", "award-recommendation-invention-patent"):
        rule = rules_by_id[rule_id]
        assert rule.grants == [] and not rule.is_benefit
        assert assess(rule, ALL_MET).status is Status.NOT_APPLICABLE
        assert assess(rule, {}).status is Status.NOT_APPLICABLE  # nor asked about


def test_the_criterion_is_the_data_not_the_rule(rules_by_id: dict[str, Rule]) -> None:
    """The same rule, stating a grant, applies again; a benefit stating none does not."""
    equity = rules_by_id["support-patent-equity"].model_copy(update={"grants": ["priority"]})
    assert assess(equity, ALL_MET).status is Status.ELIGIBLE
    reward = rules_by_id["reward-gbt29490-certification"]
    assert assess(reward, ALL_MET).status is Status.ELIGIBLE
    silent = reward.model_copy(update={"grants": []})
    assert assess(silent, ALL_MET).status is Status.NOT_APPLICABLE
    unstated = reward.model_copy(update={"grants": None})  # written before the field
    assert assess(unstated, ALL_MET).status is Status.ELIGIBLE


def test_everything_listed_gives_the_company_something(rules: list[Rule]) -> None:
    listed = [o.rule for o in match(rules, ALL_MET) if o.status is not Status.NOT_APPLICABLE]
    assert listed and all(rule.grants for rule in listed)
    assert len(listed) < len(rules)
