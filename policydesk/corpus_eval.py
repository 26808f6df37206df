"""Quality on a whole corpus: build a throw-away knowledge base from a folder of documents
(with or beside a pack), ask its questions, report per question kind and style.

A corpus folder holds ``documents/`` (files as an office would upload them, with optional
``.meta.yaml``), ``questions.jsonl`` (see ``knowledge.evaluate``) and optionally
``corpus.yaml`` with ``pack:`` (``none`` by default: the documents alone) and
``questions:`` (other question files). The knowledge
base lives in a temporary folder on SQLite and goes away afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core.settings import Settings
from knowledge.embedding import Embedder
from knowledge.evaluate import EvalResult, evaluate, load_questions
from knowledge.ingest import ingest_paths
from knowledge.pack import NO_PACK
from knowledge.service import KnowledgeBase
from policydesk.runtime import initialise, open_runtime


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path
    pack: str
    question_files: tuple[Path, ...]
    # The day the questions are asked on: which documents are in force (an office 办法
    # valid until 2027 must answer in the evaluation after 2027 too).
    as_of: date | None = None

    @property
    def documents(self) -> Path:
        return self.folder / "documents"

    def questions(self) -> list[dict[str, Any]]:
        return [q for path in self.question_files for q in load_questions(path)]


def load_corpus(folder: Path, pack: str | None = None) -> Corpus:
    """A corpus folder; its ``corpus.yaml`` may name the pack and other question files
    (``questions: [../../holdout.jsonl]``, relative to the folder)."""
    config: dict[str, Any] = {}
    if (folder / "corpus.yaml").exists():
        config = yaml.safe_load((folder / "corpus.yaml").read_text("utf-8")) or {}
    files = [folder / name for name in config.get("questions") or ["questions.jsonl"]]
    as_of = config.get("as_of")
    return Corpus(
        folder.name,
        folder,
        pack or str(config.get("pack") or NO_PACK),
        tuple(files),
        as_of if isinstance(as_of, date) else date.fromisoformat(as_of) if as_of else None,
    )


@asynccontextmanager
async def corpus_knowledge(
    corpus: Corpus, embedder: Embedder, base: Settings | None = None
) -> AsyncIterator[KnowledgeBase]:
    """A fresh knowledge base with the corpus ingested beside its pack, in a temporary
    folder (SQLite), gone when the block ends."""
    with tempfile.TemporaryDirectory(prefix="policydesk-eval-") as tmp:
        overrides = {"data_dir": Path(tmp), "database_url": "", "pack": corpus.pack}
        settings = (base or Settings()).model_copy(update=overrides)
        runtime = await open_runtime(settings)
        try:
            runtime.knowledge.embedder = embedder
            await initialise(runtime)
            if corpus.documents.is_dir():
                async with runtime.sessions() as session:
                    report = await ingest_paths(session, runtime.knowledge, [corpus.documents])
                    if report.errors:
                        raise ValueError(f"{corpus.name}: {'; '.join(report.errors)}")
                    await session.commit()
            yield runtime.knowledge
        finally:
            await runtime.close()


async def evaluate_corpus(
    corpus: Corpus, embedder: Embedder, base: Settings | None = None
) -> EvalResult:
    """Ingest the corpus beside its pack into a fresh knowledge base and evaluate it."""
    async with corpus_knowledge(corpus, embedder, base) as knowledge:
        return evaluate(knowledge, corpus.questions(), today=corpus.as_of)
