"""The few questions a benefits conversation asks, for any chat front door (bot, web chat).

Only facts that would decide a still-open benefit are asked, the fact deciding the most
benefits first, each at most once per round and at most ``MAX_QUESTIONS`` per round.
Every answer offers "not sure", which leaves the fact unknown. Answers are stored per chat
right away, so the conversation needs no state of its own and survives restarts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from benefits.matcher import Facts, Status, match
from benefits.profiles import asked_in_round, profile_of, record_answer, start_round
from benefits.reasons import Locale, fact_text, value_text
from benefits.schema import DEMONSTRATION_LEVELS, FACT_KINDS, FACT_NAMES, FactValue, Rule
from benefits.store import active_rules
from core.errors import InvalidInput

MAX_QUESTIONS = 8
# Counts are offered as buttons; the thresholds in rules are small ("at least 1"), and
# "10" stands for "10 or more", which is exact enough for any threshold up to 10.
COUNT_CHOICES: tuple[int, ...] = (0, 1, 2, 3, 5, 10)
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


def choice_values(fact: str, rules: Sequence[Rule]) -> list[FactValue]:
    kind = FACT_KINDS[fact]
    if kind == "bool":
        return [True, False]
    if kind == "count":
        return list(COUNT_CHOICES)
    if kind == "level":
        return [*DEMONSTRATION_LEVELS, None]
    named: dict[FactValue, None] = {}
    for rule in rules:
        for c in [*rule.conditions, *rule.any_of]:
            if c.fact == fact:
                named.update(dict.fromkeys(c.expected if c.operator == "in" else [c.expected]))
    return [*named, OTHER["zh"]]


def _label(fact: str, value: FactValue, locale: Locale) -> str:
    if value == OTHER["zh"]:
        return OTHER[locale]
    return value_text(fact, value, locale)


async def begin(session: AsyncSession, chat_id: int, locale: Locale) -> Question | None:
    """Start a round (questions skipped last time may be asked again): the first question."""
    await start_round(session, chat_id)
    return await next_question(session, chat_id, locale)


async def next_question(session: AsyncSession, chat_id: int, locale: Locale) -> Question | None:
    """The next question to ask, or None when the answers so far are enough."""
    rules = await active_rules(session)
    profile = await profile_of(session, chat_id)
    fact = pick_fact(rules, profile.known(), await asked_in_round(session, chat_id))
    if fact is None:
        return None
    values = choice_values(fact, rules)
    choices = [(i, _label(fact, v, locale)) for i, v in enumerate(values)]
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
