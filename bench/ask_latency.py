"""``ask`` latency in-process on the bundled knowledge pack (query embedding included).

    python -m bench.ask_latency [--rounds 5]

Questions: the customer's development set (if beside the repo) and our held-out and
off-topic sets. Prints p50/p95/p99 per question and the index size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from bench.common import machine, summary_ms
from core.settings import Settings
from policydesk.runtime import initialise, open_runtime

ROOT = Path(__file__).parents[1]
QUESTION_FILES = [
    ROOT.parent / "shared" / "eval" / "dev_questions.jsonl",
    ROOT / "knowledge" / "eval" / "holdout.jsonl",
    ROOT / "knowledge" / "eval" / "out_of_scope.jsonl",
]


def questions() -> list[str]:
    out: list[str] = []
    for path in QUESTION_FILES:
        if path.exists():
            out += [
                json.loads(line)["q"]
                for line in path.read_text("utf-8").splitlines()
                if line.strip()
            ]
    return out


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        runtime = await open_runtime(Settings(data_dir=Path(data)))
        started = time.perf_counter()
        await initialise(runtime)
        build = time.perf_counter() - started
        kb = runtime.knowledge
        qs = questions()
        for q in qs[:10]:  # warm-up
            kb.ask(q)
        timings: list[float] = []
        cpu: list[float] = []
        for _ in range(rounds):
            for q in qs:
                t0, c0 = time.perf_counter(), time.thread_time()
                kb.ask(q)
                timings.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
        entries = len(kb.searcher.index.entries) if kb.searcher else 0
        print(f"machine: {machine()}; search threads: {runtime.settings.search_threads}")
        print(f"index: {entries} entries, built in {build:.1f} s (embedding included)")
        print(f"ask, {len(qs)} questions x {rounds} rounds, wall: {summary_ms(timings)}")
        print(f"ask, CPU time of the asking thread: {summary_ms(cpu)}")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f}")
        await runtime.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
