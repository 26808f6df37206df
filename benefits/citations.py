"""Where a rule's clause sits: the document's title and the heading path of the clause.

The heading path comes from the same chunker that builds the search index
(``knowledge.chunking.chunk_document``), so a benefit cites the section an answer would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.chunking import Chunk, chunk_document
from knowledge.models import Document

# Chunks by document content hash; documents change rarely and a process holds a few.
_CHUNKS: dict[str, list[Chunk]] = {}
_CACHE_SIZE = 32


@dataclass(frozen=True)
class Citation:
    document: str  # title
    slug: str
    section: str
    quote: str


@dataclass(frozen=True)
class SourceDocument:
    slug: str
    title: str
    text: str
    chunks: list[Chunk]

    def section_of(self, quote: str) -> str:
        """The heading path of the chunk holding the quote (or its start, when the quote
        runs over a chunk boundary); the document's top level when none does."""
        for probe in (quote, quote[:30], quote[:12]):
            for chunk in self.chunks:
                if probe and probe in chunk.text:
                    return chunk.section
        return "正文"

    def cite(self, quote: str) -> Citation:
        return Citation(self.title, self.slug, self.section_of(quote), quote)


async def load_documents(session: AsyncSession, slugs: Iterable[str]) -> dict[str, SourceDocument]:
    """The named documents that exist, with their chunks (cached by content hash)."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(Document.slug, Document.title, Document.content_hash, Document.text).where(
                Document.slug.in_(wanted)
            )
        )
    ).all()
    out: dict[str, SourceDocument] = {}
    for slug, title, content_hash, text in rows:
        chunks = _CHUNKS.get(content_hash)
        if chunks is None:
            if len(_CHUNKS) >= _CACHE_SIZE:
                _CHUNKS.clear()
            chunks = _CHUNKS[content_hash] = chunk_document(text)
        out[slug] = SourceDocument(slug, title, text, chunks)
    return out
