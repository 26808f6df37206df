"""Rule files are validated with errors naming the file, the line and the field; profiles
refuse negative counts, unknown levels and unknown fact names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from benefits.loading import RulesError, load_rules_file, validate_rules
from benefits.schema import CompanyProfile, Rule
from core.errors import InvalidInput
from knowledge.pack import PACK_DIR

GOOD_RULE = """\
rules:
  - id: reward-gbt29490-certification
    title: 贯标认证奖励
    benefit: 通过贯标认证的企业可获得奖励。
    conditions:
      - fact: gbt29490_certified
        equals: true
    any_of: []
    next_step: 通过贯标认证。
    document: jiaozuo-ip-pilot-city-plan-2014
    quote: "对贯标认证企业给予奖励"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, documents: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules_file(path, documents)
    return [caught.value.describe(p) for p in caught.value.problems]


def test_the_pack_rules_validate(rules: list[Rule]) -> None:
    assert len(rules) == len({r.id for r in rules}) >= 12
    assert all(r.conditions or r.any_of for r in rules)


def test_a_good_file_loads(tmp_path: Path, documents: dict[str, str]) -> None:
    (rule,) = load_rules_file(write(tmp_path, GOOD_RULE), documents)
    assert rule.conditions[0].operator == "equals" and rule.conditions[0].expected is True


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("equals: true", "equals: yes please", 7, "rules[0].conditions[0].equals", "true or false"),
        ("fact: gbt29490_certified", "fact: gbt_certified", 6, "rules[0].conditions[0].fact", ""),
        (
            "        equals: true",
            "        at_least: 1",
            7,
            "rules[0].conditions[0].at_least",
            "count",
        ),
        ("    title: 贯标认证奖励\n", "", 2, "rules[0].title", "Field required"),
        ("id: reward-gbt29490-certification", "id: Reward GBT", 2, "rules[0].id", "pattern"),
        ("    any_of: []\n", "    any_of: []\n    amount: 5万元\n", 9, "rules[0].amount", "Extra"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, words: str
) -> None:
    assert old in GOOD_RULE
    path = write(tmp_path, GOOD_RULE.replace(old, new))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:{line}: {field}: "), problem
    assert words in problem


def test_two_operators_and_no_condition_are_refused(tmp_path: Path) -> None:
    text = GOOD_RULE.replace("        equals: true", "        equals: true\n        in: [true]")
    (problem,) = problems_of(write(tmp_path, text))
    assert ":6: rules[0].conditions[0]: " in problem and "exactly one" in problem
    text = GOOD_RULE.replace(
        "    conditions:\n      - fact: gbt29490_certified\n        equals: true\n", ""
    )
    (problem,) = problems_of(write(tmp_path, text))
    assert ":2: rules[0]: " in problem and "at least one" in problem


def test_every_problem_is_reported_with_its_own_line(tmp_path: Path) -> None:
    second = GOOD_RULE.split("rules:\n")[1].replace("equals: true", "equals: 3")
    text = GOOD_RULE.replace("    title: 贯标认证奖励\n", "") + second
    first, other = problems_of(write(tmp_path, text))
    assert ":2: rules[0].title: Field required" in first
    assert ":16: rules[1].conditions[0].equals: " in other and "not 3" in other


def test_duplicate_ids_are_refused_at_the_second_one(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, GOOD_RULE + GOOD_RULE.split("rules:\n")[1]))
    assert ":12: rules[1].id: duplicate rule id 'reward-gbt29490-certification'" in problem


def test_quote_must_be_verbatim_in_its_document(tmp_path: Path, documents: dict[str, str]) -> None:
    path = write(tmp_path, GOOD_RULE.replace("对贯标认证企业给予奖励", "对贯标认证企业给予重奖"))
    (problem,) = problems_of(path, documents)
    assert problem.startswith(f"{path}:11: rules[0].quote: ")
    path = write(tmp_path, GOOD_RULE.replace("document: jiaozuo", "document: nowhere-jiaozuo"))
    (problem,) = problems_of(path, documents)
    assert ":10: rules[0].document: unknown document" in problem


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, GOOD_RULE.replace("any_of: []", "any_of: [")))
    assert ":9:" in problem or ":10:" in problem
    assert "not valid YAML" in problem


def test_pack_file_errors_point_into_the_real_file(tmp_path: Path) -> None:
    text = (PACK_DIR / "rules.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if "in: [national, provincial]" in line)
    lines[target] = lines[target].replace("provincial", "county")
    (problem,) = problems_of(write(tmp_path, "\n".join(lines)))
    assert f":{target + 1}: rules[4].conditions[0].in: " in problem
    assert "county" in problem


def test_validate_rules_reports_locations_without_a_file() -> None:
    with pytest.raises(RulesError) as caught:
        validate_rules({"rules": [{"id": "x"}]})
    fields = {p.field for p in caught.value.problems}
    assert {"rules[0].title", "rules[0].quote", "rules[0].document"} <= fields
    assert isinstance(caught.value, InvalidInput)  # the API answers 422, the bot a hint


@pytest.mark.parametrize(
    "profile",
    [
        {"patent_applications": -1},
        {"granted_patents": 1.5},
        {"invention_patents": True},
        {"demonstration_level": "county"},
        {"gbt29490_certified": "yes"},
        {"employees": 12},
        {"industry": "   "},
    ],
)
def test_invalid_profiles_are_refused(profile: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CompanyProfile.model_validate(profile)


def test_absent_and_null_facts_are_unknown_but_a_null_level_is_known() -> None:
    profile = CompanyProfile.model_validate(
        {"granted_patents": 0, "high_tech": None, "demonstration_level": None}
    )
    assert profile.known() == {"granted_patents": 0, "demonstration_level": None}
    assert CompanyProfile().known() == {}
