"""What the benefits conversation knows without asking: counts fixed by a zero above them
(issue 17, item 6), typed answers, the "N+" count button and the office's industry list."""

from __future__ import annotations

import pytest

from benefits.conversation import (
    COUNT_CHOICES,
    OPEN_COUNT,
    Typed,
    choice_values,
    open_count,
    pick_fact,
    read_typed,
)
from benefits.inference import infer, inferred
from benefits.matcher import Status, match
from benefits.reasons import fact_choices
from benefits.schema import Condition, Rule


def test_no_applications_means_no_granted_patents_of_any_kind() -> None:
    facts = infer({"patent_applications": 0})
    assert facts == {"patent_applications": 0, "granted_patents": 0, "invention_patents": 0}


def test_no_granted_patents_means_no_invention_patents_but_says_nothing_of_applications() -> None:
    assert inferred({"granted_patents": 0}) == {"invention_patents"}


@pytest.mark.parametrize(
    "facts",
    [
        {"patent_applications": 3},
        {"invention_patents": 0},  # nothing follows upwards from a zero
        {"granted_patents": 2, "invention_patents": 1},
        {"above_designated_size": False},
    ],
)
def test_nothing_follows_from_other_facts(facts: dict[str, object]) -> None:
    assert infer(facts) == facts  # type: ignore[arg-type]


def test_a_given_fact_wins_over_an_inferred_one() -> None:
    facts = infer({"patent_applications": 0, "granted_patents": 2})
    assert facts["granted_patents"] == 2 and "invention_patents" not in facts


def test_zero_patents_leave_nothing_to_ask_about_invention_patents(rules: list[Rule]) -> None:
    asked: list[str] = []
    facts = infer({"patent_applications": 0})
    while (fact := pick_fact(rules, facts, asked)) is not None:
        asked.append(fact)
    assert asked and not {"patent_applications", "granted_patents", "invention_patents"} & set(
        asked
    )
    pending = [
        c.fact for o in match(rules, facts) if o.status is Status.POTENTIAL for c in o.unknown
    ]
    assert "invention_patents" not in pending


@pytest.mark.parametrize(
    ("fact", "text", "value"),
    [
        ("granted_patents", "14", 14),
        ("granted_patents", "１４件", 14),
        ("granted_patents", "10+", 10),
        ("granted_patents", "10件以上", 10),
        ("granted_patents", "没有", 0),
        ("high_tech", "是", True),
        ("high_tech", "否。", False),
        ("demonstration_level", "省级", "provincial"),
        ("demonstration_level", "不是示范单位", None),
        ("industry", "装备制造（机械）", "装备制造"),
        ("industry", "机械", "装备制造"),
        ("industry", "新能源", "新能源"),
    ],
)
def test_typed_answers(rules: list[Rule], fact: str, text: str, value: object) -> None:
    assert read_typed(fact, text, rules) == Typed(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("granted_patents", "专利质押贷款怎么申请？"),
        ("granted_patents", "第14条"),
        ("high_tech", "高新技术企业有什么补贴"),
        ("industry", "餐饮"),
    ],
)
def test_other_text_is_no_answer(rules: list[Rule], fact: str, text: str) -> None:
    assert read_typed(fact, text, rules) is None


def test_count_buttons_end_with_an_open_count_that_no_rule_tells_apart(
    rules: list[Rule],
) -> None:
    assert choice_values("granted_patents", rules) == [*COUNT_CHOICES, OPEN_COUNT]
    strict = Rule.model_validate(
        {
            **rules[0].to_data(),
            "id": "needs-many",
            "conditions": [Condition(fact="granted_patents", at_least=30).to_data()],
        }
    )
    assert open_count("granted_patents", [*rules, strict]) == 30


def test_the_industry_list_is_data_and_includes_machinery(rules: list[Rule]) -> None:
    listed = [c.value for c in fact_choices("industry")]
    assert "装备制造" in listed
    values = choice_values("industry", rules)
    assert values[: len(listed)] == listed  # the office's order first
    named = {v for r in rules for c in r.conditions if c.fact == "industry" for v in c.expected}
    assert named <= set(values) and values[-1] == "其他"
