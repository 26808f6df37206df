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
from knowledge.ingest import IngestReport, ingest_bytes
from knowledge.loaders import DOCUMENT_SUFFIXES, FAQ_SUFFIXES, read_document, read_faq
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


def _check_file(name: str, data: bytes, meta: dict[str, Any]) -> None:
    suffix = Path(name).suffix.lower()
    if suffix in FAQ_SUFFIXES:
        read_faq(name, data)
    elif suffix in DOCUMENT_SUFFIXES:
        read_document(name, data, meta)
    else:
        raise IngestError(f"{name}: unsupported file type {suffix or '(none)'!r}")


# File systems keep names to 255 bytes; the jobs and documents tables keep 300 characters.
MAX_NAME_CHARS = 200


async def check_upload(name: str, data: bytes, meta: dict[str, Any]) -> None:
    """Raise ``IngestError`` (naming the file and the problem) for a file that cannot go in."""
    if not name or Path(name).name != name:
        raise IngestError(f"{name or '(no name)'}: give a plain file name")
    if len(name) > MAX_NAME_CHARS:
        raise IngestError(
            f"{name[:40]}…: 文件名过长，请缩短到{MAX_NAME_CHARS}个字符以内"
            f" (the file name is longer than {MAX_NAME_CHARS} characters)"
        )
    await asyncio.to_thread(_check_file, name, data, meta)


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
    data: bytes,
    meta: dict[str, Any],
) -> IngestJob:
    """Ingest in the caller's transaction; searchable once the caller commits."""
    job.status = "running"
    report = await ingest_bytes(session, kb, [(job.filename, data, meta)], _tracker(job.id))
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
    data: bytes,
    meta: dict[str, Any],
) -> None:
    try:
        async with write_transaction(sessions) as session:
            job = await session.get(IngestJob, job_id)
            if job is None:
                return
            await run_inline(session, kb, job, data, meta)
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


def run_in_background(
    sessions: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    job_id: int,
    data: bytes,
    meta: dict[str, Any],
) -> None:
    """Start the job among the process's background tasks (a shutdown lets it finish or
    marks it failed); the caller must have committed the job."""
    kb.background.start_job(f"ingest-job-{job_id}", _run(sessions, kb, job_id, data, meta))


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
