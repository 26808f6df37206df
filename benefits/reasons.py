"""Plain-language reasons for a match, in Chinese or English, from ``facts.yaml``.

A reason says which facts made a rule apply, which facts are still unknown, or what is
missing; every condition is shown next to the company's own value when it is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from benefits.matcher import Facts, Outcome
from benefits.schema import FACT_KINDS, FACT_NAMES, Condition, FactValue

Locale = Literal["zh", "en"]
FACTS_FILE = Path(__file__).with_name("facts.yaml")


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FACTS_FILE.read_text("utf-8"))
    missing = set(FACT_NAMES) - set(data["facts"])
    if missing:
        raise RuntimeError(f"{FACTS_FILE}: no labels for {sorted(missing)}")
    return data


def fact_text(fact: str, locale: Locale) -> dict[str, str]:
    """``label``, ``question`` and (for counts) ``unit`` of a fact."""
    entry: dict[str, str] = catalog()["facts"][fact][locale]
    return entry


def _phrase(key: str, locale: Locale) -> str:
    phrase: str = catalog()["phrases"][locale][key]
    return phrase


def value_text(fact: str, value: FactValue, locale: Locale) -> str:
    kind = FACT_KINDS[fact]
    if kind == "bool":
        return _phrase("yes" if value else "no", locale)
    if kind == "level":
        levels: dict[str, str] = catalog()["levels"][locale]
        return levels[str(value) if value is not None else "none"]
    return str(value)


def condition_text(condition: Condition, locale: Locale) -> str:
    text = fact_text(condition.fact, locale)
    label, unit = text["label"], text.get("unit", "")
    op, expected = condition.operator, condition.expected
    if op == "at_least":
        return _phrase("at_least", locale).format(label=label, value=expected, unit=unit)
    if op == "equals" and FACT_KINDS[condition.fact] == "bool":
        return _phrase("equals_true" if expected else "equals_false", locale).format(label=label)
    if op == "equals":
        value = value_text(condition.fact, expected, locale)
        return _phrase("equals", locale).format(label=label, value=value)
    values = _phrase("list_sep", locale).join(
        value_text(condition.fact, v, locale) for v in expected
    )
    return _phrase("in", locale).format(label=label, values=values)


def _with_actual(condition: Condition, facts: Facts, locale: Locale) -> str:
    described = condition_text(condition, locale)
    if condition.fact not in facts:
        return described
    value = facts[condition.fact]
    unit = fact_text(condition.fact, locale).get("unit", "") if isinstance(value, int) else ""
    if isinstance(value, bool):
        unit = ""
    actual = _phrase("actual", locale).format(
        value=value_text(condition.fact, value, locale), unit=unit
    )
    return _phrase("item_with_actual", locale).format(condition=described, actual=actual)


def reason(outcome: Outcome, facts: Facts, locale: Locale = "zh") -> str:
    """E.g. ``符合:规模以上工业企业(贵单位:是);尚需确认:专利申请至少1件``."""
    sep = _phrase("list_sep", locale)
    parts: list[str] = []
    if outcome.met:
        items = sep.join(_with_actual(c, facts, locale) for c in outcome.met)
        parts.append(_phrase("met", locale).format(items=items))
    if outcome.missing:
        groups = []
        for group in outcome.missing:
            items = sep.join(_with_actual(c, facts, locale) for c in group)
            groups.append(
                items if len(group) == 1 else _phrase("any_of", locale).format(items=items)
            )
        parts.append(_phrase("missing", locale).format(items=sep.join(groups)))
    if outcome.unknown:
        alone = [c for c in outcome.unknown if c in outcome.rule.conditions]
        either = [c for c in outcome.unknown if c not in alone]
        texts = [condition_text(c, locale) for c in alone]
        if len(either) == 1:
            texts.append(condition_text(either[0], locale))
        elif either:
            items = sep.join(condition_text(c, locale) for c in either)
            texts.append(_phrase("any_of", locale).format(items=items))
        parts.append(_phrase("unknown", locale).format(items=sep.join(dict.fromkeys(texts))))
    return _phrase("clause_sep", locale).join(parts)


@dataclass(frozen=True)
class Choice:
    """A listed value of a text fact (``choices`` in facts.yaml), e.g. an industry."""

    value: str
    label: str
    aliases: tuple[str, ...] = ()


def fact_choices(fact: str) -> list[Choice]:
    """The listed values of a fact, in the catalog's order ([] when it lists none)."""
    listed: list[dict[str, Any]] = catalog()["facts"][fact].get("choices", [])
    return [
        Choice(str(c["value"]), str(c.get("label", c["value"])), tuple(c.get("aliases", ())))
        for c in listed
    ]
