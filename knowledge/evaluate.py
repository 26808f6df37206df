"""Retrieval quality on a question set (JSONL): hit@1, hit@3, MRR@10 and abstention.

Each line: ``{"q": "...", "gold": ["substring", ...]}`` for an answerable question, or
``{"q": "...", "answerable": false}`` for one the assistant must decline. Optional
``"kind"`` (what the question asks for: amount, duration, procedure, …) and ``"style"``
(literal or colloquial) group the figures. A question is answered well when one of the
top sources contains a gold substring in its first ``GOLD_WINDOW`` characters.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.answer import Answer, Source
from knowledge.normalize import normalize
from knowledge.service import KnowledgeBase

GOLD_WINDOW = 500  # what a person reads of a source: its first few lines


@dataclass(frozen=True)
class Outcome:
    """One question's result."""

    question: str
    answerable: bool
    answered: bool
    confidence: float
    rank: int | None  # first source holding a gold substring (answerable questions)
    kind: str
    style: str
    # Amount, date and duration questions: the gold is in the answer's own text, not only
    # in a listed source (None for other questions).
    in_text: bool | None = None


SPECIFIC_KINDS = frozenset({"amount", "date", "duration"})


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    off_topic = [o for o in outcomes if not o.answerable]
    n = len(answerable)
    ranks = [o.rank for o in answerable]
    specific = [o.in_text for o in answerable if o.in_text is not None]
    return {
        "questions": len(outcomes),
        "answerable": n,
        "hit@1": _rate(sum(r == 1 for r in ranks), n),
        "hit@3": _rate(sum(r is not None and r <= 3 for r in ranks), n),
        "mrr@10": round(sum(1.0 / r for r in ranks if r) / n, 4) if n else None,
        "answered_rate_in_scope": _rate(sum(o.answered for o in answerable), n),
        "refused_in_scope": sum(not o.answered for o in answerable),
        "out_of_scope": len(off_topic),
        "abstention_out_of_scope": _rate(sum(not o.answered for o in off_topic), len(off_topic)),
        "specific": len(specific),
        "specific_in_text": _rate(sum(specific), len(specific)),
    }


@dataclass
class EvalResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return summarise(self.outcomes)

    def by(self, attribute: str) -> dict[str, dict[str, Any]]:
        """The summary per value of ``kind`` or ``style`` (answerable questions)."""
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            if outcome.answerable:
                groups[getattr(outcome, attribute)].append(outcome)
        return {key: summarise(groups[key]) for key in sorted(groups)}

    @property
    def misses(self) -> list[dict[str, Any]]:
        out = []
        for o in self.outcomes:
            if not o.answerable and o.answered:
                out.append({"q": o.question, "wrongly_answered": o.confidence})
            elif o.answerable and (o.rank is None or o.rank > 3 or not o.answered):
                out.append(
                    {
                        "q": o.question,
                        "rank": o.rank,
                        "answered": o.answered,
                        "confidence": o.confidence,
                        "kind": o.kind,
                    }
                )
        return out


def holds_gold(source: Source, gold: list[str]) -> bool:
    haystacks = [h[:GOLD_WINDOW] for h in (source.quote, source.text)]
    haystacks += [normalize(h) for h in haystacks]
    return any(g in h or normalize(g) in h for g in gold for h in haystacks)


def states_gold(answer: Answer, gold: list[str]) -> bool:
    """The answer's own text (not a listed source) holds a gold piece."""
    if not answer.answered:
        return False
    text = normalize(answer.answer)
    return any(normalize(g) in text for g in gold)


def first_hit_rank(answer: Answer, gold: list[str], k: int = 10) -> int | None:
    for rank, source in enumerate(answer.sources[:k], start=1):
        if holds_gold(source, gold):
            return rank
    return None


def load_questions(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(
    kb: KnowledgeBase, questions: list[dict[str, Any]], today: date | None = None
) -> EvalResult:
    """Ask every question; ``today`` fixes which documents are in force (an evaluation's
    figures must not change with the calendar)."""
    result = EvalResult()
    for item in questions:
        answer = kb.ask(item["q"], today=today)
        answerable = item.get("answerable", True) is not False and bool(item.get("gold"))
        kind = str(item.get("kind") or "other")
        specific = answerable and kind in SPECIFIC_KINDS
        result.outcomes.append(
            Outcome(
                question=item["q"],
                answerable=answerable,
                answered=answer.answered,
                confidence=answer.confidence,
                rank=first_hit_rank(answer, item["gold"]) if answerable else None,
                kind=kind,
                style=str(item.get("style") or "literal"),
                in_text=states_gold(answer, item["gold"]) if specific else None,
            )
        )
    return result
