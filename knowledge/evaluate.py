"""Retrieval quality on a question set (JSONL): hit@1, hit@3, MRR@10 and abstention.

Each line: ``{"q": "...", "gold": ["substring", ...]}`` for an answerable question, or
``{"q": "...", "answerable": false}`` for one the assistant must decline. A question is
answered well when one of the top sources contains a gold substring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.answer import Answer, Source
from knowledge.normalize import normalize
from knowledge.service import KnowledgeBase


@dataclass
class EvalResult:
    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal_ranks: float = 0.0
    answered_in_scope: int = 0
    out_of_scope: int = 0
    declined_out_of_scope: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        n = max(self.answerable, 1)
        return {
            "questions": self.answerable + self.out_of_scope,
            "answerable": self.answerable,
            "hit@1": round(self.hit1 / n, 4),
            "hit@3": round(self.hit3 / n, 4),
            "mrr@10": round(self.reciprocal_ranks / n, 4),
            "answered_rate_in_scope": round(self.answered_in_scope / n, 4),
            "out_of_scope": self.out_of_scope,
            "abstention_out_of_scope": round(
                self.declined_out_of_scope / max(self.out_of_scope, 1), 4
            )
            if self.out_of_scope
            else None,
        }


def _contains(source: Source, gold: list[str]) -> bool:
    haystacks = (source.text, source.quote, normalize(source.text), normalize(source.quote))
    return any(g in h or normalize(g) in h for g in gold for h in haystacks)


def first_hit_rank(answer: Answer, gold: list[str], k: int = 10) -> int | None:
    for rank, source in enumerate(answer.sources[:k], start=1):
        if _contains(source, gold):
            return rank
    return None


def load_questions(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(kb: KnowledgeBase, questions: list[dict[str, Any]]) -> EvalResult:
    result = EvalResult()
    for item in questions:
        answer = kb.ask(item["q"])
        if item.get("answerable", True) is False or not item.get("gold"):
            result.out_of_scope += 1
            result.declined_out_of_scope += int(not answer.answered)
            if answer.answered:
                result.misses.append({"q": item["q"], "wrongly_answered": answer.confidence})
            continue
        result.answerable += 1
        result.answered_in_scope += int(answer.answered)
        rank = first_hit_rank(answer, item["gold"])
        result.hit1 += int(rank == 1)
        result.hit3 += int(rank is not None and rank <= 3)
        result.reciprocal_ranks += 1.0 / rank if rank else 0.0
        if rank is None or rank > 3 or not answer.answered:
            result.misses.append(
                {
                    "q": item["q"],
                    "rank": rank,
                    "answered": answer.answered,
                    "confidence": answer.confidence,
                    "kind": item.get("kind"),
                }
            )
    return result
