"""Matching a company's known facts against the rules: pure functions, no I/O.

Every rule comes out *eligible* (all its facts are known and satisfied), *potential* (some
of its facts are unknown, or exactly one requirement is missing that the company could
meet by its own effort, e.g. getting 贯标 certification), or *not applicable*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from benefits.schema import ATTAINABLE_FACTS, FACT_KINDS, LEVEL_RANK, Condition, FactValue, Rule

Facts = Mapping[str, FactValue]


class Status(StrEnum):
    ELIGIBLE = "eligible"
    POTENTIAL = "potential"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Outcome:
    """A rule's verdict for one profile and the conditions that decided it.

    ``met``: conditions satisfied; ``unknown``: conditions over facts the profile lacks;
    ``missing``: failed requirements (one condition, or all alternatives of ``any_of``).
    """

    rule: Rule
    status: Status
    met: tuple[Condition, ...] = ()
    unknown: tuple[Condition, ...] = ()
    missing: tuple[tuple[Condition, ...], ...] = ()


def holds(condition: Condition, facts: Facts) -> bool | None:
    """True or False when the fact is known, None when it is unknown."""
    if condition.fact not in facts:
        return None
    value = facts[condition.fact]
    op, expected = condition.operator, condition.expected
    if op == "equals":
        return value == expected and type(value) is type(expected)
    if op == "at_least":
        return isinstance(value, int) and value >= expected
    return value in expected


def is_upward(condition: Condition) -> bool:
    """Whether having more of the fact never breaks the condition (counts up, false→true,
    a higher demonstration level)."""
    kind, op, expected = FACT_KINDS[condition.fact], condition.operator, condition.expected
    if op == "at_least":
        return True
    if kind == "bool":
        return op == "equals" and expected is True
    if kind == "level":
        # Upward when the wanted levels are "this level or any higher one".
        wanted = {expected} if op == "equals" else set(expected)
        if None in wanted:
            return False
        floor = min(LEVEL_RANK[v] for v in wanted)
        return wanted == {v for v, rank in LEVEL_RANK.items() if rank >= floor}
    return False


def attainable(condition: Condition, facts: Facts) -> bool:
    """Whether the company could meet a failed condition by its own effort: more patents,
    a certification, a (higher) demonstration level; not a smaller count or another county."""
    if condition.fact not in ATTAINABLE_FACTS:
        return False
    op, expected = condition.operator, condition.expected
    if op == "at_least":
        return True
    wanted = [expected] if op == "equals" else list(expected)
    if FACT_KINDS[condition.fact] == "bool":
        return True in wanted
    if FACT_KINDS[condition.fact] == "level":
        current = LEVEL_RANK[facts.get("demonstration_level")]  # type: ignore[index]
        return any(LEVEL_RANK[v] > current for v in wanted)
    return False


def assess(rule: Rule, facts: Facts) -> Outcome:
    """A rule's verdict; a rule that gives the company nothing (``Rule.is_benefit``) is
    never applicable, so it is neither listed nor asked about."""
    if not rule.is_benefit:
        return Outcome(rule, Status.NOT_APPLICABLE)
    met: list[Condition] = []
    unknown: list[Condition] = []
    missing: list[tuple[Condition, ...]] = []
    for condition in rule.conditions:
        verdict = holds(condition, facts)
        if verdict is None:
            unknown.append(condition)
        elif verdict:
            met.append(condition)
        else:
            missing.append((condition,))
    if rule.any_of:
        verdicts = [(c, holds(c, facts)) for c in rule.any_of]
        if any(v for _, v in verdicts):
            met.extend(c for c, v in verdicts if v)
        elif any(v is None for _, v in verdicts):
            unknown.extend(c for c, v in verdicts if v is None)
        else:
            missing.append(tuple(rule.any_of))
    if not missing:
        status = Status.POTENTIAL if unknown else Status.ELIGIBLE
    elif len(missing) == 1 and any(attainable(c, facts) for c in missing[0]):
        status = Status.POTENTIAL
    else:
        status = Status.NOT_APPLICABLE
    return Outcome(rule, status, tuple(met), tuple(unknown), tuple(missing))


def match(rules: Iterable[Rule], facts: Facts) -> list[Outcome]:
    """The outcome of every rule, in the rules' order."""
    return [assess(rule, facts) for rule in rules]
