"""Benefit matching speed: pure matching of random profiles against the pack's rules and
against the same rules repeated (x10, x100), plus reasons and citations (no database).

    .venv/bin/python -m bench.benefits_match [--profiles 2000]
"""

from __future__ import annotations

import argparse
import random
import time

from bench.common import machine, summary_ms
from benefits.citations import SourceDocument
from benefits.loading import load_rules_file, pack_documents
from benefits.matcher import match
from benefits.schema import DEMONSTRATION_LEVELS, FACT_KINDS, FACT_NAMES, FactValue, Rule
from benefits.service import build_result
from knowledge.chunking import chunk_document
from knowledge.pack import PACK_DIR


def random_profile(rng: random.Random) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for fact in FACT_NAMES:
        if rng.random() < 0.4:
            continue  # unknown
        kind = FACT_KINDS[fact]
        if kind == "bool":
            facts[fact] = rng.random() < 0.5
        elif kind == "count":
            facts[fact] = rng.choice([0, 0, 1, 2, 5, 30])
        elif kind == "level":
            facts[fact] = rng.choice([None, *DEMONSTRATION_LEVELS])
        else:
            facts[fact] = rng.choice(["新能源", "新材料", "餐饮", "温县"])
    return facts


def copies(rules: list[Rule], times: int) -> list[Rule]:
    return [
        Rule.model_validate({**r.to_data(), "id": f"{r.id}-{i}"})
        for i in range(times)
        for r in rules
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(8)
    documents = pack_documents(PACK_DIR / "documents")
    rules = load_rules_file(PACK_DIR / "rules.yaml", documents)
    sources = {s: SourceDocument(s, s, t, chunk_document(t)) for s, t in documents.items()}
    profiles = [random_profile(rng) for _ in range(args.profiles)]
    print(machine())
    for times in (1, 10, 100):
        ruleset = copies(rules, times) if times > 1 else rules
        match_times, full_times = [], []
        for facts in profiles[: max(50, args.profiles // times)]:
            start = time.perf_counter()
            outcomes = match(ruleset, facts)
            match_times.append(time.perf_counter() - start)
            build_result(outcomes, facts, sources)
            full_times.append(time.perf_counter() - start)
        print(f"{len(ruleset):>5} rules  match: {summary_ms(match_times)}")
        print(f"{len(ruleset):>5} rules  match + reasons + citations: {summary_ms(full_times)}")


if __name__ == "__main__":
    main()
