"""The knowledge base as one app-wide object: the loaded index, the model, and what
changes them (ingest, rebuild). Per-request work takes a database session as argument."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.background import BackgroundTasks
from core.clock_display import office_zone
from core.errors import IndexMismatch, InvalidInput
from core.settings import Settings
from knowledge.answer import Answer, compose
from knowledge.answer_cache import AnswerCache
from knowledge.build import (
    Progress,
    build_indexes,
    collect_entries,
    content_hash,
    embed_entries,
    entries_of,
    manifest_for,
    read_rows,
)
from knowledge.embedding import Embedder, load_embedder
from knowledge.index.entries import Entry
from knowledge.index.store import LoadedIndex, new_version, prune_versions, read_index, write_index
from knowledge.models import IndexVersion
from knowledge.normalize import normalize
from knowledge.parsing import FileReader
from knowledge.search import Hit, Searcher
from knowledge.threads import pin_threads

log = logging.getLogger(__name__)


async def request_version(session: AsyncSession) -> str | None:
    """Record a new index version of the current content without building it here.

    For writers that hold no knowledge base (the admin UI's rule pages): every replica,
    the writer's own included, finds the version missing on its disk at its next poll and
    builds it, as it does for a version another replica built. Model and dimension are the
    newest version's (one model per deployment). None when no index was ever built: the
    start-up build will take the content as it is then.
    """
    newest = await session.scalar(select(IndexVersion).order_by(IndexVersion.id.desc()).limit(1))
    if newest is None:
        return None
    entries = await collect_entries(session)
    version = new_version()
    session.add(
        IndexVersion(
            version=version,
            embedding_model=newest.embedding_model,
            dimension=newest.dimension,
            entries=len(entries),
            content_hash=content_hash(entries),
        )
    )
    await session.flush()
    return version


@dataclass
class KnowledgeBase:
    """Holds the current index version and answers questions from it.

    A rebuild writes a new version directory and records it in the database; ``refresh``
    makes any replica switch to the newest recorded version without a restart, while
    questions keep being answered from the old one until the switch.
    """

    settings: Settings
    embedder: Embedder | None = None
    searcher: Searcher | None = None
    # Ingest jobs run here: the process's background tasks once a runtime owns this base.
    background: BackgroundTasks = field(default_factory=BackgroundTasks)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Uploads are read in worker processes with a memory limit (``knowledge.parsing``).
    reader: FileReader = field(init=False)
    # Questions are answered in these threads, one per core, off the event loop.
    _questions: ThreadPoolExecutor | None = None
    answers: AnswerCache = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.reader = FileReader(s.parser_memory_mb, s.parser_timeout_seconds, s.parser_processes)
        self.answers = AnswerCache(s.answer_cache_size)

    def close(self) -> None:
        """Let go of the reader processes and the question threads (made again if the
        base is used after this, as tests and the CLI do with one base and several runs)."""
        self.reader.close()
        if self._questions is not None:
            self._questions.shutdown(wait=False)
            self._questions = None

    @property
    def root(self) -> Path:
        return self.settings.index_dir

    @property
    def version(self) -> str | None:
        return self.searcher.index.version if self.searcher else None

    def model(self) -> Embedder:
        if self.embedder is None:
            s = self.settings
            self.embedder = load_embedder(
                s.embedding_model, s.embedding_query_prefix, s.embedding_passage_prefix
            )
            pin_threads(s.search_threads)  # the model brought its own OpenMP runtime
        return self.embedder

    # --- loading -------------------------------------------------------------------
    def _check(self, index: LoadedIndex) -> None:
        model = self.model()
        built_with = index.manifest.get("embedding_model")
        if built_with != model.name or index.manifest.get("dimension") != model.dimension:
            raise IndexMismatch(
                f"the index {index.version} was built with {built_with!r} "
                f"(dimension {index.manifest.get('dimension')}), but the configured model is "
                f"{model.name!r} (dimension {model.dimension}): re-index needed "
                "(run `policydesk init --rebuild`)"
            )

    async def refresh(self, session: AsyncSession) -> bool:
        """Switch to the newest recorded version if it is not the one loaded. True if switched."""
        newest = await session.scalar(
            select(IndexVersion).order_by(IndexVersion.id.desc()).limit(1)
        )
        if newest is None or newest.version == self.version:
            return False
        if self._lock.locked():
            # Another task is already switching (perhaps rebuilding for seconds): keep
            # answering from the loaded version instead of queueing behind it.
            return False
        async with self._lock:
            if newest.version == self.version:
                return False
            if not (self.root / newest.version).exists():
                # Another replica built it on its own disk: build the same content here.
                await self.rebuild(session, version=newest.version, record=False)
                return True
            index = await asyncio.to_thread(read_index, self.root, newest.version)
            self._check(index)
            self.searcher = await asyncio.to_thread(Searcher, index, self.model())
            log.info("index version %s loaded (%d entries)", index.version, len(index.entries))
            return True

    async def rebuild(
        self,
        session: AsyncSession,
        *,
        version: str | None = None,
        record: bool = True,
        progress: Progress | None = None,
        prepared: Searcher | None = None,
    ) -> str:
        """Build a new index from the session's view of the knowledge base and switch to it.

        With ``record`` the new version is added to ``index_versions`` in this session's
        transaction; the caller commits, so the database and the index change together.
        ``prepared`` is a version built by ``prepare`` before this transaction: taken as it
        is when the content is still what it was built from, else built again here.
        """
        entries = await collect_entries(session)
        if prepared is not None and prepared.index.manifest["content_hash"] == content_hash(
            entries
        ):
            searcher = prepared
        else:
            if prepared is not None:
                log.info("the knowledge base changed while an index was prepared: building again")
            searcher = await self._build(entries, version or new_version(), progress)
        index = searcher.index
        if record:
            session.add(
                IndexVersion(
                    version=index.version,
                    embedding_model=index.manifest["embedding_model"],
                    dimension=index.manifest["dimension"],
                    entries=len(entries),
                    content_hash=index.manifest["content_hash"],
                )
            )
            await session.flush()
        self.searcher = searcher
        prune_versions(self.root, keep={index.version})
        log.info("index version %s built (%d entries)", index.version, len(entries))
        return index.version

    async def prepare(
        self,
        sessions: async_sessionmaker[AsyncSession],
        change: Callable[[AsyncSession], Awaitable[object]],
        progress: Progress | None = None,
    ) -> Searcher:
        """Build, before the write transaction that makes ``change``, the index version
        the knowledge base will have after it; ``rebuild(prepared=...)`` inside that
        transaction then only checks and records it.

        Embedding and building take seconds to minutes for a long document, and on SQLite
        every other writer (answer logs, sign-ups) waits while a write transaction is open.
        To know the content after the change, ``change`` is made here in a transaction
        that is read and rolled back: it holds the write lock only for that moment.
        """
        async with sessions() as session:
            await session.connection(execution_options={"sqlite_immediate": True})
            try:
                await change(session)
                await session.flush()
                rows = await read_rows(session)
                session.expunge_all()  # the rows stay readable after the rollback
            finally:
                await session.rollback()
        entries = await asyncio.to_thread(entries_of, *rows)
        return await self._build(entries, new_version(), progress)

    async def _build(
        self, entries: list[Entry], version: str, progress: Progress | None
    ) -> Searcher:
        """Embed (reusing the loaded version's vectors), index and write ``entries`` as
        ``version``, in a thread."""
        model = self.model()
        previous = self.searcher.index if self.searcher else None

        def work() -> Searcher:
            vectors = embed_entries(entries, model, previous, progress)
            bm25, dense = build_indexes(entries, vectors)
            manifest = manifest_for(entries, model)
            write_index(self.root, version, manifest, entries, bm25, dense)
            index = LoadedIndex(version, {**manifest, "version": version}, entries, bm25, dense)
            return Searcher(index, model)

        return await asyncio.to_thread(work)

    # --- asking --------------------------------------------------------------------
    def validate_question(self, question: str) -> str:
        text = (question or "").strip()
        if not text:
            raise InvalidInput("the question is empty", field="question")
        if len(text) > self.settings.max_question_chars:
            raise InvalidInput(
                f"the question is longer than {self.settings.max_question_chars} characters",
                field="question",
            )
        return text

    def search(
        self,
        question: str,
        k: int = 10,
        include_expired: bool = False,
        context: str | None = None,
        today: date | None = None,
    ) -> list[Hit]:
        if self.searcher is None:
            raise IndexMismatch("the knowledge index is not loaded yet: run `policydesk init`")
        return self.searcher.search(
            question, k=k, include_expired=include_expired, today=today, context=context
        )

    def ask(
        self,
        question: str,
        include_expired: bool = False,
        locale: str = "zh",
        context: str | None = None,
        today: date | None = None,
    ) -> Answer:
        """Answer one question (CPU-bound, a few milliseconds); ``context``: the earlier
        question a follow-up is read with (see ``knowledge.conversation``); ``today``: the
        day whose documents are in force (today's, unless a test or an evaluation says)."""
        return self.answer(
            self.validate_question(question), include_expired, locale, context, today
        )

    async def answer_off_loop(
        self,
        text: str,
        *,
        include_expired: bool = False,
        locale: str = "zh",
        context: str | None = None,
    ) -> Answer:
        """``answer`` in the question threads: the query embedding and the search are CPU
        work (milliseconds; longer while an index build shares the model), and the event
        loop goes on serving other requests meanwhile."""
        call = functools.partial(
            self.answer, text, include_expired=include_expired, locale=locale, context=context
        )
        if self._questions is None:
            self._questions = ThreadPoolExecutor(
                os.cpu_count() or 1, thread_name_prefix="questions"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._questions, contextvars.copy_context().run, call)

    def answer(
        self,
        text: str,
        include_expired: bool = False,
        locale: str = "zh",
        context: str | None = None,
        today: date | None = None,
    ) -> Answer:
        """Answer a question already checked by ``validate_question``; a repeat of one
        answered lately on the same index comes from ``answers``."""
        if not any(ch.isalnum() for ch in normalize(text)):
            return compose([], self.settings.answer_threshold, self.settings.faq_threshold, locale)
        key = (self.version, text, context, locale, include_expired, today or date.today())
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        answer = self._answer(text, include_expired, locale, context, today)
        self.answers.put(key, answer)
        return answer

    def _answer(
        self,
        text: str,
        include_expired: bool,
        locale: str,
        context: str | None,
        today: date | None,
    ) -> Answer:
        hits = self.search(text, include_expired=include_expired, context=context, today=today)
        if context and (not hits or hits[0].coverage == 0.0):
            # Read with the earlier question, the best place holds none of this question's
            # own words ("食堂几点开饭?" after a question on subsidies): it stands alone.
            context = None
            hits = self.search(text, include_expired=include_expired, today=today)
        read_as = f"{text} {context}" if context else text
        return compose(
            hits,
            self.settings.answer_threshold,
            self.settings.faq_threshold,
            locale,
            read_as,
            office=self.settings.office_name,
            zone=office_zone(self.settings.timezone),
        )
