"""App-wide resources, built the same way for the API, the bot, the worker and the CLI:
settings, the database engine and session factory, and the knowledge base."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benefits import index_items
from benefits import notify as benefit_notices
from benefits.seed import read_pack_rules, seed_pack_rules
from benefits.store import retire_pack_rules, sync_pack_rules
from campaigns.outbox import DeliveryOutbox
from core.background import BackgroundTasks, every
from core.db import create_engine, create_session_factory
from core.migrate import upgrade
from core.settings import Settings
from core.setup_lock import setup_lock
from core.transport import MessagePort
from events.reminders import run_due_reminders
from knowledge.build import Progress
from knowledge.ingest import IngestReport, ingest_paths, retire_pack_content
from knowledge.models import Document, IndexVersion
from knowledge.pack import pack_files, pack_lexicon_file, pack_rules_file, resolve_pack
from knowledge.refresher import IndexRefresher, warm_start
from knowledge.service import KnowledgeBase
from knowledge.threads import pin_threads
from knowledge.tokenize import use_office_lexicon

# Registered when the wiring is imported, before any knowledge base is built or campaign
# sent, in every process: benefit rules are items of the knowledge index
# (knowledge.sources), and benefit notices make their own deliveries (campaigns.kinds).
index_items.register()
benefit_notices.register()

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase
    # Where services write what they tell people; workers send it (core.outbox).
    outbox: DeliveryOutbox = field(default_factory=DeliveryOutbox)
    # Shared by replicas when POLICYDESK_REDIS_URL is set: FSM forms, rate limits.
    redis: Redis | None = None
    background: BackgroundTasks = field(default_factory=BackgroundTasks)

    def __post_init__(self) -> None:
        # Background uploads are ingest jobs of this process: stopped with it.
        self.knowledge.background = self.background

    def transports(self, only: Collection[str] | None = None) -> dict[str, MessagePort]:
        """The outbox transports this process's settings give it, one per channel (of
        ``only`` these channels, when given)."""
        from policydesk.transports import build_transports

        return build_transports(self.settings, self.sessions, only)

    async def close(self) -> None:
        await self.background.stop(self.settings.shutdown_timeout)
        self.knowledge.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


async def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        # Processes starting together on a fresh database migrate it one at a time.
        async with setup_lock(url):
            await asyncio.to_thread(upgrade, url)
    pin_threads(settings.search_threads)
    use_office_lexicon(pack_lexicon_file(resolve_pack(settings.pack)))
    engine = create_engine(url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    return Runtime(
        settings, engine, create_session_factory(engine), KnowledgeBase(settings), redis=redis
    )


async def initialise(
    runtime: Runtime, *, rebuild: bool = False, progress: Progress | None = None
) -> IngestReport:
    """Ingest the bundled pack (a no-op when unchanged) and make sure an index is loaded."""
    kb = runtime.knowledge
    pack = resolve_pack(runtime.settings.pack)
    rules = await read_pack_rules(pack_rules_file(pack))
    # Processes starting together on an empty database: one loads the pack, the others
    # wait here and then find it unchanged.
    async with setup_lock(runtime.settings.resolved_database_url), runtime.sessions() as session:
        if rebuild:
            # Another pack may have been chosen: what the earlier one brought goes (the
            # office's own documents, FAQ entries and rules stay).
            await retire_pack_rules(session, {rule.id for rule in rules})
        report = await ingest_paths(
            session, kb, pack_files(pack), progress, build=False, origin="pack"
        )
        if rebuild:
            await retire_pack_content(session, report.document_slugs, report.faq_slugs)
        # The index takes the rules from their table: seed it before the index is built.
        rule_changes = await sync_pack_rules(session, rules)
        if report.changed or rule_changes or rebuild:
            report.version = await kb.rebuild(session, progress=progress)
        else:
            await kb.refresh(session)
            if kb.searcher is None:
                report.version = await kb.rebuild(session, progress=progress)
        await session.commit()
    return report


async def ensure_initialised(runtime: Runtime) -> None:
    """First run: load the pack. Later runs: load the newest index version.

    An index already on this disk (baked into the image, or left by the last run) is
    loaded first so that building the database's version reuses its vectors.
    """
    kb = runtime.knowledge
    warm = await warm_start(kb)
    async with runtime.sessions() as session:
        has_documents = await session.scalar(select(func.count()).select_from(Document))
        if has_documents:
            await kb.refresh(session)
        recorded = kb.version is not None and bool(
            await session.scalar(select(IndexVersion.id).where(IndexVersion.version == kb.version))
        )
    if not has_documents or not recorded:
        # A warm index the database does not know is no answer to serve: rebuild from the
        # database (fast: unchanged texts keep their vectors).
        report = await initialise(runtime, rebuild=warm and bool(has_documents))
        log.info("knowledge pack initialised: %s", report)
    else:
        # A new release may bring changed rules without changed documents.
        rules_file = pack_rules_file(resolve_pack(runtime.settings.pack))
        await seed_pack_rules(runtime.sessions, rules_file, knowledge=kb)


def start_background(runtime: Runtime) -> None:
    """The background loops every serving process runs: the index refresher and the event
    reminders (leased rows: replicas share them; each reminder goes into the outbox)."""
    settings = runtime.settings
    names = runtime.background.names
    if settings.index_poll_seconds > 0 and "index-refresher" not in names:
        refresher = IndexRefresher(runtime.knowledge, runtime.sessions, settings.index_poll_seconds)
        runtime.background.start("index-refresher", refresher.run())
    if settings.reminder_poll_seconds > 0 and "event-reminders" not in names:

        async def send_reminders() -> None:
            report = await run_due_reminders(runtime.sessions, runtime.outbox)
            if report.sent or report.unknown:
                log.info("event reminders: %s", report)

        runtime.background.start(
            "event-reminders",
            every(settings.reminder_poll_seconds, "event-reminders", send_reminders),
        )
