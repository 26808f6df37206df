"""Answer quality on the development corpora: documents nobody wrote an FAQ for.

Each corpus is ingested as an office would upload it into a fresh knowledge base (beside
the pack its corpus.yaml names) and its questions are asked; the floors sit just under the
figures in the README's "Answer quality" table, so a change that makes answers worse fails
here. ``policydesk eval --corpus DIR`` prints the same figures per question kind.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.settings import Settings
from knowledge.embedding import Embedder
from knowledge.normalize import normalize
from policydesk.corpus_eval import corpus_knowledge, evaluate_corpus, load_corpus

CORPORA = Path(__file__).parents[2] / "knowledge" / "eval" / "corpora"


@pytest.mark.parametrize(
    ("name", "hit1", "hit3", "refused", "declined"),
    [
        # corpus, hit@1, hit@3, answerable refused at most, off-topic refused at least
        ("regional-patent", 0.82, 0.94, 0.05, 0.9),
        ("competition-tech", 0.83, 0.94, 0.05, 0.9),
        ("office-measures", 0.8, 0.92, 0.12, 0.9),
    ],
)
def test_development_corpus(
    name: str,
    hit1: float,
    hit3: float,
    refused: float,
    declined: float,
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    corpus = load_corpus(CORPORA / name)
    base = Settings(data_dir=tmp_path)
    summary = asyncio.run(evaluate_corpus(corpus, embedder, base)).summary()
    assert summary["hit@1"] >= hit1, summary
    assert summary["hit@3"] >= hit3, summary
    assert summary["refused_in_scope"] <= refused * summary["answerable"], summary
    assert summary["abstention_out_of_scope"] >= declined, summary


def test_an_office_measure_beside_the_pack_gives_its_amounts_and_dates_in_the_answer(
    embedder: Embedder, tmp_path: Path
) -> None:
    """Amount, date and duration questions about the office's 办法: the figure is in the
    answer's own text, never the plan FAQ's "未规定"."""
    corpus = load_corpus(CORPORA / "office-measures")
    questions = corpus.questions()
    specific = [
        q
        for q in questions
        if q.get("kind") in ("amount", "date", "duration")
        and q.get("doc") == "jiaozuo-ip-funding-measures-2025"
    ]

    async def run() -> list[str]:
        async with corpus_knowledge(corpus, embedder, Settings(data_dir=tmp_path)) as knowledge:
            return [knowledge.ask(q["q"], today=corpus.as_of).answer for q in specific]

    answers = asyncio.run(run())
    given = [
        any(normalize(g) in normalize(a) for g in q["gold"]) and "未规定" not in a
        for q, a in zip(specific, answers, strict=True)
    ]
    assert len(specific) >= 20
    assert sum(given) >= 0.75 * len(specific), [
        q["q"] for q, ok in zip(specific, given, strict=True) if not ok
    ]
