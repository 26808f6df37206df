"""App-wide resources, built the same way for the API, the bot, the worker and the CLI:
settings, the database engine and session factory, and the knowledge base."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import create_engine, create_session_factory
from core.migrate import upgrade
from core.notify import Notifier
from core.settings import Settings
from knowledge.build import Progress
from knowledge.ingest import IngestReport, ingest_paths
from knowledge.models import Document
from knowledge.pack import pack_files
from knowledge.service import KnowledgeBase
from knowledge.threads import pin_threads

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase
    notifier: Notifier = field(default_factory=Notifier)

    async def close(self) -> None:
        await self.engine.dispose()


async def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        await asyncio.to_thread(upgrade, url)
    pin_threads(settings.search_threads)
    engine = create_engine(url)
    return Runtime(settings, engine, create_session_factory(engine), KnowledgeBase(settings))


async def initialise(
    runtime: Runtime, *, rebuild: bool = False, progress: Progress | None = None
) -> IngestReport:
    """Ingest the bundled pack (a no-op when unchanged) and make sure an index is loaded."""
    async with runtime.sessions() as session:
        report = await ingest_paths(
            session, runtime.knowledge, pack_files(), progress, rebuild_if_missing=False
        )
        if report.version is None:
            if rebuild:
                report.version = await runtime.knowledge.rebuild(session, progress=progress)
            else:
                await runtime.knowledge.refresh(session)
                if runtime.knowledge.searcher is None:
                    report.version = await runtime.knowledge.rebuild(session, progress=progress)
        await session.commit()
    return report


async def ensure_initialised(runtime: Runtime) -> None:
    """First run: load the pack. Later runs: load the newest index version."""
    async with runtime.sessions() as session:
        has_documents = await session.scalar(select(func.count()).select_from(Document))
        if has_documents:
            await runtime.knowledge.refresh(session)
    if not has_documents or runtime.knowledge.searcher is None:
        report = await initialise(runtime)
        log.info("knowledge pack initialised: %s", report)
