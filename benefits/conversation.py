"""The few questions a benefits conversation asks, for any chat front door (bot, web chat).

Only facts that would decide a still-open benefit are asked, the fact deciding the most
benefits first, each at most once per round and at most ``MAX_QUESTIONS`` per round.
Every answer offers "not sure", which leaves the fact unknown. Answers are stored per chat
right away, so the conversation needs no state of its own and survives restarts.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from benefits.inference import infer
from benefits.matcher import Facts, Status, match
from benefits.profiles import asked_in_round, profile_of, record_answer, start_round
from benefits.reasons import Locale, fact_choices, fact_text, value_text
from benefits.schema import (
    DEMONSTRATION_LEVELS,
    FACT_KINDS,
    FACT_NAMES,
    MAX_COUNT,
    FactValue,
    Rule,
)
from benefits.store import active_rules
from core.errors import InvalidInput
from core.typed_answers import parse_count, parse_yes_no

MAX_QUESTIONS = 8
# Counts are offered as buttons, the last one "N+" (N or more), and may be typed exactly.
# N is at least 10 and at least every threshold the rules set for the fact, so "N or more"
# gets the same verdict from every rule as the exact count would.
COUNT_CHOICES: tuple[int, ...] = (0, 1, 2, 3, 5)
OPEN_COUNT = 10
OTHER = {"zh": "其他", "en": "other"}


@dataclass(frozen=True)
class Question:
    fact: str
    text: str
    choices: list[tuple[int, str]]  # (choice index, button label); "not sure" is index -1


def open_facts(rules: Sequence[Rule], facts: Facts) -> Counter[str]:
    """Unknown facts that stand between a potential benefit and a verdict, by how many."""
    counts: Counter[str] = Counter()
    for outcome in match(rules, facts):
        if outcome.status is Status.POTENTIAL:
            counts.update({c.fact for c in outcome.unknown})
    return counts


def pick_fact(rules: Sequence[Rule], facts: Facts, asked: Sequence[str]) -> str | None:
    if len(asked) >= MAX_QUESTIONS:
        return None
    counts = open_facts(rules, facts)
    candidates = [f for f in FACT_NAMES if counts[f] and f not in asked]
    return max(candidates, key=lambda f: counts[f], default=None)  # ties: FACT_NAMES order


def open_count(fact: str, rules: Sequence[Rule]) -> int:
    """The N of the "N+" button: no rule tells N from any larger count."""
    top = OPEN_COUNT
    for rule in rules:
        for c in [*rule.conditions, *rule.any_of]:
            if c.fact == fact and c.operator in ("at_least", "equals"):
                top = max(top, c.expected + (c.operator == "equals"))
    return int(top)


def choice_values(fact: str, rules: Sequence[Rule]) -> list[FactValue]:
    kind = FACT_KINDS[fact]
    if kind == "bool":
        return [True, False]
    if kind == "count":
        return [*COUNT_CHOICES, open_count(fact, rules)]
    if kind == "level":
        return [*DEMONSTRATION_LEVELS, None]
    named: dict[FactValue, None] = dict.fromkeys(c.value for c in fact_choices(fact))
    for rule in rules:
        for c in [*rule.conditions, *rule.any_of]:
            if c.fact == fact:
                named.update(dict.fromkeys(c.expected if c.operator == "in" else [c.expected]))
    return [*named, OTHER["zh"]]


def _label(fact: str, value: FactValue, locale: Locale, rules: Sequence[Rule]) -> str:
    if value == OTHER["zh"]:
        return OTHER[locale]
    if FACT_KINDS[fact] == "count" and value == open_count(fact, rules):
        return f"{value}+"
    labels = {c.value: c.label for c in fact_choices(fact)}
    return labels.get(str(value), value_text(fact, value, locale))


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().rstrip("。.!").strip().lower()


@dataclass(frozen=True)
class Typed:
    """A typed answer that was understood: the value it gives the fact."""

    value: FactValue


def read_typed(fact: str, text: str, rules: Sequence[Rule]) -> Typed | None:
    """The value a typed answer gives ``fact`` ("14", "10+", "是", a level or an industry
    from the list, by name or alias); None when the text is no such answer."""
    typed = _plain(text)
    kind = FACT_KINDS[fact]
    if kind == "count":  # "14", "10+" (at least 10: the "N+" button's verdict), "没有"
        count = parse_count(text)
        if count is None:
            return Typed(0) if parse_yes_no(text) is False else None
        return Typed(count.value) if count.value <= MAX_COUNT else None
    if kind == "bool":
        said = parse_yes_no(text)
        return None if said is None else Typed(said)
    names: dict[str, FactValue] = {}
    for value in choice_values(fact, rules):
        if value == OTHER["zh"]:
            continue
        for locale in ("zh", "en"):
            names[_plain(_label(fact, value, locale, rules))] = value
            names[_plain(value_text(fact, value, locale))] = value
    for choice in fact_choices(fact):
        names.update({_plain(alias): choice.value for alias in choice.aliases})
    return Typed(names[typed]) if typed in names else None


async def begin(session: AsyncSession, chat_id: int, locale: Locale) -> Question | None:
    """Start a round (questions skipped last time may be asked again): the first question."""
    await start_round(session, chat_id)
    return await next_question(session, chat_id, locale)


async def next_question(session: AsyncSession, chat_id: int, locale: Locale) -> Question | None:
    """The next question to ask, or None when the answers so far are enough."""
    rules = await active_rules(session)
    profile = await profile_of(session, chat_id)
    fact = pick_fact(rules, infer(profile.known()), await asked_in_round(session, chat_id))
    if fact is None:
        return None
    values = choice_values(fact, rules)
    choices = [(i, _label(fact, v, locale, rules)) for i, v in enumerate(values)]
    return Question(fact, fact_text(fact, locale)["question"], choices)


async def answer(session: AsyncSession, chat_id: int, fact: str, choice: int) -> None:
    """Record the answer to ``fact``: a choice index, or -1 for "not sure"."""
    if fact not in FACT_NAMES:
        raise InvalidInput(f"unknown fact {fact!r}", field="fact")
    if choice == -1:
        await record_answer(session, chat_id, fact, None, known=False)
        return
    values = choice_values(fact, await active_rules(session))
    if not 0 <= choice < len(values):
        raise InvalidInput(f"no choice {choice} for {fact}", field="choice")
    await record_answer(session, chat_id, fact, values[choice], known=True)


async def answer_typed(session: AsyncSession, chat_id: int, fact: str, text: str) -> bool:
    """Record a typed answer to ``fact``; False (nothing stored) when the text is none."""
    if fact not in FACT_NAMES:
        return False
    typed = read_typed(fact, text, await active_rules(session))
    if typed is None:
        return False
    await record_answer(session, chat_id, fact, typed.value, known=True)
    return True
