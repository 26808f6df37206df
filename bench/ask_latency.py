"""Ingest time and ``ask`` latency in-process: the bundled pack plus an office's documents.

    python -m bench.ask_latency [--rounds 5] [--documents DIR ...] [--no-documents]

By default the documents are the two law corpora of knowledge/eval/corpora (eleven laws and
regulations, ~210 KB): their ingest is timed on its own (reading, chunking, embedding,
indexing). Questions: the customer's development set (if beside the repo), our held-out
and off-topic sets and the corpora's questions. Prints p50/p95/p99 per question and the
index size.
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
from knowledge.answer_cache import AnswerCache
from knowledge.ingest import ingest_paths
from policydesk.runtime import initialise, open_runtime

ROOT = Path(__file__).parents[1]
CORPORA = ROOT / "knowledge" / "eval" / "corpora"
DOCUMENTS = [CORPORA / "regional-patent" / "documents", CORPORA / "competition-tech" / "documents"]
QUESTION_FILES = [
    ROOT.parent / "shared" / "eval" / "dev_questions.jsonl",
    ROOT / "knowledge" / "eval" / "holdout.jsonl",
    ROOT / "knowledge" / "eval" / "out_of_scope.jsonl",
]


def questions(files: list[Path]) -> list[str]:
    out: list[str] = []
    for path in files:
        if path.exists():
            out += [
                json.loads(line)["q"]
                for line in path.read_text("utf-8").splitlines()
                if line.strip()
            ]
    return out


async def main(rounds: int, documents: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as data:
        # Every round computes its answers: repeats from the answer cache are measured apart.
        runtime = await open_runtime(Settings(data_dir=Path(data), answer_cache_size=0))
        runtime.knowledge.model()  # loading the model is not part of either figure
        started = time.perf_counter()
        await initialise(runtime)
        build = time.perf_counter() - started
        kb = runtime.knowledge
        ingest = ""
        if documents:
            size = sum(p.stat().st_size for d in documents for p in d.glob("*") if p.is_file())
            started = time.perf_counter()
            async with runtime.sessions() as session:
                report = await ingest_paths(session, kb, documents)
                await session.commit()
            elapsed = time.perf_counter() - started
            units = len({e.item for e in kb.searcher.index.entries}) if kb.searcher else 0
            ingest = (
                f"ingest of {len(report.added)} documents ({size / 1024:.0f} KB) beside the pack: "
                f"{elapsed:.1f} s (index now {units} answer units)"
            )
        sets = {"the pack's questions": questions(QUESTION_FILES)}
        corpus_files = [folder.parent / "questions.jsonl" for folder in documents]
        if documents:
            sets["the documents' questions (longer, colloquial)"] = questions(corpus_files)
        for q in sets["the pack's questions"][:10]:  # warm-up
            kb.ask(q)
        entries = len(kb.searcher.index.entries) if kb.searcher else 0
        print(f"machine: {machine()}; search threads: {runtime.settings.search_threads}")
        print(f"pack index built in {build:.1f} s (embedding included)")
        if ingest:
            print(ingest)
        print(f"index: {entries} entries")
        for label, qs in sets.items():
            timings: list[float] = []
            cpu: list[float] = []
            for _ in range(rounds):
                for q in qs:
                    t0, c0 = time.perf_counter(), time.thread_time()
                    kb.ask(q)
                    timings.append(time.perf_counter() - t0)
                    cpu.append(time.thread_time() - c0)
            print(f"ask, {label}, {len(qs)} x {rounds} rounds, wall: {summary_ms(timings)}")
            print(f"    CPU time of the asking thread: {summary_ms(cpu)}")
        qs = sets["the pack's questions"]
        kb.answers = AnswerCache(len(qs))
        for q in qs:
            kb.ask(q)
        repeats: list[float] = []
        for _ in range(rounds):
            for q in qs:
                t0 = time.perf_counter()
                kb.ask(q)
                repeats.append(time.perf_counter() - t0)
        print(f"ask, the pack's questions repeated (answer cache), wall: {summary_ms(repeats)}")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f}")
        await runtime.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--documents", nargs="*", type=Path, help="folders of documents")
    parser.add_argument("--no-documents", action="store_true", help="the pack alone")
    args = parser.parse_args()
    folders = [] if args.no_documents else (args.documents or DOCUMENTS)
    asyncio.run(main(args.rounds, folders))
