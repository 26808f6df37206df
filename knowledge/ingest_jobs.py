"""Document uploads as jobs: checked at once, ingested inline or in the background, with
progress that the admin UI polls.

The job's status and result live in the database (every replica sees them); the live
progress of the embedding stage is kept by the process running the job.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow, write_transaction
from core.errors import IngestError, NotFound
from knowledge.ingest import IngestReport, ingest_parsed
from knowledge.parsing import ParsedFile
from knowledge.search import Searcher
from knowledge.service import KnowledgeBase

log = logging.getLogger(__name__)
_live: dict[int, tuple[str, int, int]] = {}


class IngestJob(Base):
    __tablename__ = "ingest_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # running, done, failed
    stage: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# File systems keep names to 255 bytes; the jobs and documents tables keep 300 characters.
MAX_NAME_CHARS = 200


async def read_upload(
    kb: KnowledgeBase, name: str, data: bytes, meta: dict[str, Any]
) -> ParsedFile:
    """What an uploaded file holds, read in a worker process (``knowledge.parsing``);
    ``IngestError`` naming the file and the problem for a file that cannot go in."""
    if not name or Path(name).name != name:
        raise IngestError(f"{name or '(no name)'}: give a plain file name")
    if len(name) > MAX_NAME_CHARS:
        raise IngestError(
            f"{name[:40]}…: 文件名过长，请缩短到{MAX_NAME_CHARS}个字符以内"
            f" (the file name is longer than {MAX_NAME_CHARS} characters)"
        )
    return await kb.reader.read(name, data, meta)


def runs_in_background(kb: KnowledgeBase, parsed: ParsedFile, asked: bool | None) -> bool:
    """Whether an upload is indexed as a background job: as the request asks, else when
    it brings more text than ``POLICYDESK_INLINE_UPLOAD_CHARS`` (indexing a long document
    takes a while; the officer follows its progress instead of waiting on a request)."""
    if asked is not None:
        return asked
    return parsed.text_chars > kb.settings.inline_upload_chars


async def create_job(session: AsyncSession, name: str, size: int, by: str) -> IngestJob:
    job = IngestJob(filename=name, size=size, created_by=by)
    session.add(job)
    await session.flush()
    return job


def _finish(job: IngestJob, report: IngestReport) -> None:
    job.status = "failed" if report.errors else "done"
    job.message = "; ".join(report.errors)
    job.result = {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "version": report.version,
    }
    job.finished_at = utcnow()
    job.stage, job.done, job.total = _live.pop(job.id, ("done", 1, 1))


async def run_inline(
    session: AsyncSession,
    kb: KnowledgeBase,
    job: IngestJob,
    parsed: ParsedFile,
    prepared: Searcher | None = None,
) -> IngestJob:
    """Ingest in the caller's transaction; searchable once the caller commits.
    ``prepared`` is the index version ``prepare_index`` built for this file."""
    job.status = "running"
    report = await ingest_parsed(session, kb, [parsed], _tracker(job.id), prepared=prepared)
    _finish(job, report)
    await session.flush()
    return job


def _tracker(job_id: int) -> Any:
    def progress(stage: str, done: int, total: int) -> None:
        _live[job_id] = (stage, done, total)

    return progress


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    job_id: int,
    parsed: ParsedFile,
) -> None:
    try:
        prepared = await prepare_index(sessions, kb, parsed, _tracker(job_id))
        async with write_transaction(sessions) as session:
            job = await session.get(IngestJob, job_id)
            if job is None:
                return
            await run_inline(session, kb, job, parsed, prepared)
    except asyncio.CancelledError:
        log.warning("ingest job %s stopped by a shutdown before it finished", job_id)
        await _fail(sessions, job_id, "stopped by a server shutdown; upload the file again")
        raise
    except Exception as exc:
        log.exception("ingest job %s failed", job_id)
        await _fail(sessions, job_id, str(exc))


async def _fail(sessions: async_sessionmaker[AsyncSession], job_id: int, message: str) -> None:
    _live.pop(job_id, None)
    async with write_transaction(sessions) as session:
        job = await session.get(IngestJob, job_id)
        if job is not None:
            job.status, job.message, job.finished_at = "failed", message, utcnow()


async def submit_upload(
    sessions: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    name: str,
    data: bytes,
    meta: dict[str, Any],
    by: str,
    background: bool | None = None,
) -> tuple[IngestJob, bool]:
    """Read an upload, record its job and index it: inline (searchable when this returns)
    or as a background job (see ``runs_in_background``). The job, and whether it runs in
    the background."""
    parsed = await read_upload(kb, name, data, meta)
    in_background = runs_in_background(kb, parsed, background)
    prepared = None if in_background else await prepare_index(sessions, kb, parsed)
    async with write_transaction(sessions) as session:
        job = await create_job(session, name, len(data), by)
        if not in_background:
            await run_inline(session, kb, job, parsed, prepared)
    if in_background:
        run_in_background(sessions, kb, job.id, parsed)
    return job, in_background


async def prepare_index(
    sessions: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    parsed: ParsedFile,
    progress: Any = None,
) -> Searcher:
    """The index version the knowledge base will have with this file, built before the
    write transaction that adds it (``KnowledgeBase.prepare``): that transaction then
    takes a moment, not the minutes a long document's embedding takes."""

    async def change(session: AsyncSession) -> None:
        await ingest_parsed(session, kb, [parsed], build=False)

    return await kb.prepare(sessions, change, progress)


def run_in_background(
    sessions: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    job_id: int,
    parsed: ParsedFile,
) -> None:
    """Start the job among the process's background tasks (a shutdown lets it finish or
    marks it failed); the caller must have committed the job."""
    kb.background.start_job(f"ingest-job-{job_id}", _run(sessions, kb, job_id, parsed))


async def get_job(session: AsyncSession, job_id: int) -> IngestJob:
    job = await session.get(IngestJob, job_id)
    if job is None:
        raise NotFound(f"ingest job {job_id} does not exist")
    return job


def progress_of(job: IngestJob) -> tuple[str, int, int]:
    """(stage, done, total): live while this process runs the job, else as recorded."""
    return _live.get(job.id, (job.stage, job.done, job.total))


async def recent_jobs(session: AsyncSession, limit: int = 20) -> list[IngestJob]:
    return list(await session.scalars(select(IngestJob).order_by(IngestJob.id.desc()).limit(limit)))
