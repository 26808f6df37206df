"""Building a search index from the knowledge base's current state."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from threadpoolctl import threadpool_limits

from knowledge.chunking import Chunk, chunk_document, parts
from knowledge.doc_dates import repealed_titles
from knowledge.embedding import Embedder
from knowledge.index.bm25 import BM25Index
from knowledge.index.dense import DenseIndex
from knowledge.index.entries import Entry
from knowledge.index.store import LoadedIndex
from knowledge.models import Document, FaqEntry
from knowledge.normalize import normalize
from knowledge.sources import CitedItem, read_items
from knowledge.tokenize import tokens

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


_NATIONAL = "中华人民共和国"
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def short_title(title: str) -> str:
    """The title as people say it, for the indexed text: without "中华人民共和国" and
    bracketed parts (《中华人民共和国民法典（合同编）》 → 民法典). It is prefixed to every
    paragraph, so its length is paid for in every embedding."""
    short = _BRACKETS.sub("", title).strip()
    if short.startswith(_NATIONAL) and len(short) > len(_NATIONAL) + 1:
        short = short[len(_NATIONAL) :]
    return short or title


def _moment(moment: datetime | None) -> str | None:
    """When an officer wrote an answer (UTC, ISO): its citation shows the office's day."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _chunk_for(quote: str | None, chunks: Sequence[Chunk]) -> Chunk | None:
    """The chunk that holds (the start of) an FAQ's or rule's clause."""
    if not quote:
        return None
    for probe in (quote, quote[:30], quote[:12]):
        for chunk in chunks:
            if probe and probe in chunk.text:
                return chunk
    return None


def _support(slug: str, quote: str | None, chunks: Sequence[Chunk]) -> tuple[str, str | None]:
    """(section, passage item) of the clause an FAQ or rule rests on."""
    chunk = _chunk_for(quote, chunks)
    if chunk is None:
        return "", None
    return chunk.section, f"doc:{slug}#{chunk.ordinal}"


# What the index is built from: documents, active FAQ entries, and the items registered
# sources cite documents with (knowledge.sources: the active subsidy rules).
Rows = tuple[list[Document], list[FaqEntry], list[CitedItem]]


async def read_rows(session: AsyncSession) -> Rows:
    """The rows the index is built from, as this session sees them."""
    documents = list(await session.scalars(select(Document).order_by(Document.slug)))
    faqs = list(
        await session.scalars(
            select(FaqEntry).where(FaqEntry.active.is_(True)).order_by(FaqEntry.slug)
        )
    )
    return documents, faqs, await read_items(session)


async def collect_entries(session: AsyncSession) -> list[Entry]:
    """Every searchable entry: passages of all documents, FAQ wordings, the items of the
    registered sources (the active subsidy rules). The rows are read here; chunking them,
    which takes a while for long documents, runs in a thread so that the event loop goes
    on serving."""
    return await asyncio.to_thread(entries_of, *await read_rows(session))


@functools.lru_cache(maxsize=256)
def _chunks(text: str) -> tuple[Chunk, ...]:
    """A document's chunks, kept for the texts seen last: every build chunks every
    document, and a build checked inside a write transaction (``KnowledgeBase.rebuild``
    with a prepared version) must not spend that time chunking again."""
    return tuple(chunk_document(text))


def entries_of(
    documents: list[Document], faqs: list[FaqEntry], items: list[CitedItem]
) -> list[Entry]:
    """The entries of rows already loaded (no database access: runs in a thread)."""
    chunks_of: dict[str, tuple[Chunk, ...]] = {}
    titles: dict[str, str] = {}
    dates: dict[str, str | None] = {}
    entries: list[Entry] = []
    ends = repeal_dates(documents)
    for doc in documents:
        chunks = _chunks(doc.text)
        chunks_of[doc.slug] = chunks
        titles[doc.slug] = doc.title
        start = doc.valid_from or doc.issued_on
        dates[doc.slug] = start.isoformat() if start else None
        end = min(filter(None, (doc.valid_until, ends.get(doc.slug))), default=None)
        until = end.isoformat() if end else None
        for chunk in chunks:
            # The whole chunk, then each of its paragraphs: one answer unit (same item).
            pieces = [(None, chunk.text), *enumerate(parts(chunk.text))]
            for number, piece in pieces:
                entries.append(
                    Entry(
                        kind="passage",
                        item=f"doc:{doc.slug}#{chunk.ordinal}",
                        search_text=f"{short_title(doc.title)} {chunk.context}\n{piece}",
                        text=chunk.text,
                        document=doc.title,
                        document_slug=doc.slug,
                        section=chunk.section,
                        quote=chunk.text,
                        valid_until=until,
                        dated=dates[doc.slug],
                        part=number,
                    )
                )
    for faq in faqs:
        slug = faq.document_slug or ""
        section, support = _support(slug, faq.quote, chunks_of.get(slug, ()))
        for wording in dict.fromkeys([faq.question, *faq.paraphrases]):
            entries.append(
                Entry(
                    kind="faq",
                    item=f"faq:{faq.slug}",
                    search_text=wording,
                    text=faq.answer,
                    document=titles.get(slug, ""),
                    document_slug=slug,
                    section=section,
                    quote=faq.quote or "",
                    # An officer's answer resting on no document: the day it was written.
                    dated=dates.get(slug) if slug else _moment(faq.updated_at or faq.created_at),
                    question=faq.question,
                    support=support,
                )
            )
    # Items that cite a loaded document (the rules officers maintain, seeded from the pack).
    for cited in items:
        slug = cited.document_slug
        if slug not in titles:
            continue
        section, support = _support(slug, cited.quote, chunks_of[slug])
        entries.append(
            Entry(
                kind=cited.kind,
                item=cited.key,
                search_text=f"{cited.title} {cited.text}",
                text=cited.text,
                document=titles[slug],
                document_slug=slug,
                section=section,
                quote=cited.quote,
                dated=dates[slug],
                support=support,
            )
        )
    return entries


def repeal_dates(documents: list[Document]) -> dict[str, date]:
    """Documents another one says it repeals (``《…》同时废止``), by slug: the last day
    they apply, the day before the repealing text takes effect (or is issued; with
    neither date known, they are out of force altogether)."""
    by_title = {normalize(doc.title).strip("《》 "): doc.slug for doc in documents}
    ends: dict[str, date] = {}
    for doc in documents:
        start = doc.valid_from or doc.issued_on
        end = start - timedelta(days=1) if start else date.min
        for title in repealed_titles(doc.text):
            slug = by_title.get(normalize(title))
            if slug is not None and slug != doc.slug:
                ends[slug] = min(end, ends.get(slug, end))
    return ends


def content_hash(entries: list[Entry]) -> str:
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(f"{entry.kind}\x1f{entry.item}\x1f{entry.search_text}\x1e".encode())
    return digest.hexdigest()


def embed_entries(
    entries: list[Entry],
    embedder: Embedder,
    previous: LoadedIndex | None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Vectors for all entries, reusing the previous version's vectors for unchanged texts.

    A passage indexed per paragraph is found by meaning through its paragraphs: its whole
    is left to the keyword side (a zero vector) instead of being embedded once more. The
    embedding is most of an ingest's time, and the whole's vector added nothing measurable
    on the development corpora (its paragraphs' mean made the ranking worse).
    """
    reuse: dict[tuple[bool, str], int] = {}
    old_vectors = None
    if (
        previous is not None
        and previous.manifest.get("embedding_model") == embedder.name
        and not previous.dense.approximate
    ):
        old_vectors = previous.dense.reconstruct_all()
        reuse = {(e.kind == "faq", e.search_text): i for i, e in enumerate(previous.entries)}
    vectors = np.zeros((len(entries), embedder.dimension), dtype=np.float32)
    split = {entry.item for entry in entries if entry.part is not None}
    todo: dict[bool, list[int]] = {True: [], False: []}
    for i, entry in enumerate(entries):
        key = (entry.kind == "faq", entry.search_text)
        if entry.kind == "passage" and entry.part is None and entry.item in split:
            continue  # keywords only: its paragraphs carry the meaning
        if old_vectors is not None and key in reuse:
            vectors[i] = old_vectors[reuse[key]]
        else:
            todo[entry.kind == "faq"].append(i)
    done, total = 0, len(todo[True]) + len(todo[False])
    with threadpool_limits(limits=os.cpu_count()):  # a build may use every core
        for is_question, indices in todo.items():
            done = _embed_group(
                entries, indices, is_question, embedder, vectors, done, total, progress
            )
    return vectors


def _embed_group(
    entries: list[Entry],
    indices: list[int],
    is_question: bool,
    embedder: Embedder,
    vectors: np.ndarray,
    done: int,
    total: int,
    progress: Progress | None,
) -> int:
    batch = 256
    # FAQ wordings are questions: embed them as queries, so question meets question.
    embed = embedder.embed_queries if is_question else embedder.embed_passages
    for start in range(0, len(indices), batch):
        part = indices[start : start + batch]
        vectors[part] = embed([entries[i].search_text for i in part])
        done += len(part)
        if progress:
            progress("embedding", done, total)
    return done


def build_indexes(entries: list[Entry], vectors: np.ndarray) -> tuple[BM25Index, DenseIndex]:
    bm25 = BM25Index.build([tokens(entry.search_text) for entry in entries])
    return bm25, DenseIndex.build(vectors)


def manifest_for(entries: list[Entry], embedder: Embedder) -> dict[str, Any]:
    return {
        "embedding_model": embedder.name,
        "dimension": embedder.dimension,
        "content_hash": content_hash(entries),
    }
