"""Adding policy documents and FAQ sets to the knowledge base.

All files of one call are read and checked first; a bad file is refused with a message
naming it, the good ones go in. Database rows and the new index version are committed
together, so a failure leaves the previous state searchable and intact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import IngestError
from knowledge.build import Progress
from knowledge.loaders import META_SUFFIX, DocumentFile, FaqRecord, read_meta
from knowledge.models import Document, FaqEntry
from knowledge.parsing import ParsedFile, parse_file
from knowledge.search import Searcher
from knowledge.service import KnowledgeBase


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    version: str | None = None
    # Slugs of the documents and FAQ entries read, changed or not.
    document_slugs: set[str] = field(default_factory=set)
    faq_slugs: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and not p.name.endswith(META_SUFFIX)
                )
            )
        else:
            out.append(path)
    return out


async def upsert_document(
    session: AsyncSession, doc: DocumentFile, report: IngestReport, origin: str = "upload"
) -> None:
    row = await session.scalar(select(Document).where(Document.slug == doc.slug))
    if row is not None and origin == "upload":  # an upload makes a pack document the office's
        row.origin = origin
    if row is not None and row.content_hash == doc.content_hash and row.title == doc.title:
        report.unchanged.append(doc.source_name)
        report.document_slugs.add(doc.slug)
        return
    fields = {
        k: getattr(doc, k)
        for k in (
            "title",
            "text",
            "content_hash",
            "source_name",
            "issuer",
            "doc_number",
            "issued_on",
            "valid_from",
            "valid_until",
            "url",
        )
    }
    report.document_slugs.add(doc.slug)
    if row is None:
        session.add(Document(slug=doc.slug, origin=origin, **fields))
        report.added.append(doc.source_name)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
        report.updated.append(doc.source_name)


async def upsert_faq(
    session: AsyncSession,
    name: str,
    records: list[FaqRecord],
    report: IngestReport,
    origin: str = "pack",
) -> None:
    changed = False
    for record in records:
        report.faq_slugs.add(record.slug)
        row = await session.scalar(select(FaqEntry).where(FaqEntry.slug == record.slug))
        values = {
            "question": record.question,
            "answer": record.answer,
            "paraphrases": record.paraphrases,
            "document_slug": record.document_slug,
            "quote": record.quote,
            "tags": record.tags,
        }
        if row is None:
            session.add(FaqEntry(slug=record.slug, origin=origin, active=True, **values))
            changed = True
        elif row.origin == origin and any(getattr(row, k) != v for k, v in values.items()):
            # Only what the same source owns follows the file: an entry an officer edited
            # or retired (origin "officer") stays as the officer left it.
            for key, value in values.items():
                setattr(row, key, value)
            changed = True
    (report.updated if changed else report.unchanged).append(name)


async def ingest_bytes(
    session: AsyncSession,
    kb: KnowledgeBase,
    files: list[tuple[str, bytes, dict[str, object]]],
    progress: Progress | None = None,
    rebuild_if_missing: bool = False,
    build: bool = True,
    origin: str = "upload",
) -> IngestReport:
    """Ingest (name, content, metadata) triples read in this process (the knowledge pack,
    files given to ``policydesk ingest``); uploads are read apart first
    (``knowledge.parsing``) and go to ``ingest_parsed``.

    ``origin`` is "pack" for the knowledge pack's files (``init``), "upload" for the
    office's own. With ``build=False`` the caller rebuilds (after writing what else the
    index takes, such as the rules). The caller commits the session; on an exception it
    must roll back.
    """
    parsed: list[ParsedFile] = []
    errors: list[str] = []
    for name, data, meta in files:
        try:
            parsed.append(parse_file(name, data, meta))
        except IngestError as exc:
            errors.append(exc.message)
    report = await ingest_parsed(
        session, kb, parsed, progress, rebuild_if_missing, build, origin, read=len(files)
    )
    report.errors[:0] = errors
    return report


async def ingest_parsed(
    session: AsyncSession,
    kb: KnowledgeBase,
    files: list[ParsedFile],
    progress: Progress | None = None,
    rebuild_if_missing: bool = False,
    build: bool = True,
    origin: str = "upload",
    read: int | None = None,
    prepared: Searcher | None = None,
) -> IngestReport:
    """Write files already read into the knowledge base; rebuild the index once if
    anything changed (see ``ingest_bytes``), taking the ``prepared`` version when it
    was built for this content (``KnowledgeBase.prepare``)."""
    report = IngestReport()
    total = read if read is not None else len(files)
    for number, parsed in enumerate(files, start=1):
        if parsed.document is not None:
            await upsert_document(session, parsed.document, report, origin)
        else:
            faq_origin = "pack" if origin == "pack" else "officer"
            await upsert_faq(session, parsed.name, list(parsed.faq), report, faq_origin)
        if progress:
            progress("reading", number + total - len(files), total)
    await session.flush()
    if build and (report.changed or (rebuild_if_missing and kb.searcher is None)):
        report.version = await kb.rebuild(session, progress=progress, prepared=prepared)
    return report


async def ingest_paths(
    session: AsyncSession,
    kb: KnowledgeBase,
    paths: Iterable[Path],
    progress: Progress | None = None,
    rebuild_if_missing: bool = False,
    build: bool = True,
    origin: str = "upload",
) -> IngestReport:
    files: list[tuple[str, bytes, dict[str, object]]] = []
    early = IngestReport()
    for path in expand_paths(paths):
        try:
            if not path.exists():
                raise IngestError(f"{path}: no such file")
            files.append((path.name, path.read_bytes(), read_meta(path)))
        except IngestError as exc:
            early.errors.append(exc.message)
    report = await ingest_bytes(session, kb, files, progress, rebuild_if_missing, build, origin)
    report.errors[:0] = early.errors
    return report


async def retire_pack_content(
    session: AsyncSession, documents: set[str], faq: set[str]
) -> list[str]:
    """Remove the documents and FAQ entries an earlier pack brought that the current one
    does not have (by slug); what officers uploaded or wrote stays. Returns the documents
    removed. The caller retires the old pack's rules first and rebuilds the index."""
    removed = []
    for row in await session.scalars(select(Document).where(Document.origin == "pack")):
        if row.slug not in documents:
            removed.append(row.slug)
            await session.delete(row)
    for entry in await session.scalars(select(FaqEntry).where(FaqEntry.origin == "pack")):
        if entry.slug not in faq:
            await session.delete(entry)
    await session.flush()
    return removed
