"""Reading uploaded files in a worker process with a memory limit, never on the event loop.

An officer's upload comes from outside: a .docx may be a zip bomb, a PDF may hold thousands
of pages or streams that inflate without end. ``knowledge.loaders`` refuses what its checks
can see; what they cannot (a parser that needs gigabytes for a file that looks small) is
contained here. Files are read in a separate process whose address space is limited
(``POLICYDESK_PARSER_MEMORY_MB``) and whose work is limited in time
(``POLICYDESK_PARSER_TIMEOUT_SECONDS``). A file that exceeds either is refused with a
message; the process is replaced and the server goes on answering. The event loop only
waits for the result.

The process is started on the first upload and kept for the next ones; uploads are read
one at a time per process (``POLICYDESK_PARSER_PROCESSES``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import IngestError
from knowledge.loaders import (
    DOCUMENT_SUFFIXES,
    FAQ_SUFFIXES,
    DocumentFile,
    FaqRecord,
    read_document,
    read_faq,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedFile:
    """What one file holds: a policy document or a set of FAQ entries."""

    name: str
    document: DocumentFile | None = None
    faq: tuple[FaqRecord, ...] = ()

    @property
    def text_chars(self) -> int:
        """How much text it brings, a measure of the work of indexing it."""
        if self.document is not None:
            return len(self.document.text)
        return sum(len(r.question) + len(r.answer) + len(r.quote or "") for r in self.faq)


def parse_file(name: str, data: bytes, meta: dict[str, Any] | None = None) -> ParsedFile:
    """Read one file in this process (``IngestError`` for a bad one)."""
    suffix = Path(name).suffix.lower()
    if suffix in FAQ_SUFFIXES:
        return ParsedFile(name, faq=tuple(read_faq(name, data)))
    if suffix in DOCUMENT_SUFFIXES:
        return ParsedFile(name, document=read_document(name, data, meta))
    raise IngestError(f"{name}: unsupported file type {suffix or '(none)'!r}")


def _limit_memory(limit_bytes: int) -> None:
    """In the worker process, before any file: cap its address space."""
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _parse_in_worker(name: str, data: bytes, meta: dict[str, Any] | None) -> ParsedFile:
    try:
        return parse_file(name, data, meta)
    except MemoryError:
        raise IngestError(_too_big(name)) from None
    except IngestError:
        # A C parser that runs out of memory says so in its own words (lxml: "unknown
        # error"); near the limit, that is the likelier cause and the clearer message.
        if _peak_share() > 0.9:
            raise IngestError(_too_big(name)) from None
        raise


def _peak_share() -> float:
    """This process's peak address space as a share of its limit (0 when unknown)."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    peak = int(line.split()[1]) * 1024
                    return peak / limit if limit > 0 else 0.0
    except OSError:
        pass
    return 0.0


def _too_big(name: str) -> str:
    return (
        f"{name}: 文件过于复杂，读取时超出内存限制，请拆分或另存后再上传 "
        "(reading it needs more memory than uploads may use: split it or save it again)"
    )


class FileReader:
    """Reads uploads in worker processes; one per process of the server."""

    def __init__(self, memory_mb: int, timeout: float, processes: int = 1) -> None:
        self.memory_bytes = memory_mb * 1024 * 1024
        self.timeout = timeout
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": a fresh interpreter, not a copy of this one with its threads, model
            # and connections.
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_memory,
                initargs=(self.memory_bytes,),
            )
        return self._pool

    async def read(self, name: str, data: bytes, meta: dict[str, Any] | None = None) -> ParsedFile:
        """The file's contents, read in a worker process; ``IngestError`` for a bad file,
        one that needs more memory than allowed, or one that takes longer than allowed."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor(), _parse_in_worker, name, data, meta)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            log.warning(
                "reading %s took longer than %.0fs; its worker is stopped", name, self.timeout
            )
            self._replace()
            raise IngestError(
                f"{name}: 读取超时，请拆分后上传 (reading it took longer than "
                f"{self.timeout:.0f} seconds: split it)"
            ) from None
        except BrokenProcessPool:
            # The worker died (killed by the system for its memory, or crashed in a parser).
            log.warning("the worker reading %s stopped; a new one takes its place", name)
            self._replace()
            raise IngestError(_too_big(name)) from None

    def _replace(self) -> None:
        """Stop the workers (a stuck one included); the next read starts new ones."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor has no public way to stop a busy worker before Python 3.14.
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (at shutdown; background jobs have been stopped before)."""
        self._replace()

    def pids(self) -> list[int]:
        """The worker processes now running (for tests and diagnostics)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in processes.values() if p.pid is not None and p.pid != os.getpid()]
