"""Keeping a replica's knowledge index in step with the database.

Every replica polls ``index_versions`` every few seconds (one indexed single-row query)
and switches to a newer version when one appears: it loads the version directory if it
shares the disk with the builder, or rebuilds the same content locally if it does not.
Questions keep being answered from the old index until the switch.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import metrics
from core.background import every
from core.errors import IndexMismatch
from knowledge.index.store import read_index
from knowledge.search import Searcher
from knowledge.service import KnowledgeBase

log = logging.getLogger(__name__)


def record_loaded(kb: KnowledgeBase) -> None:
    if kb.searcher is not None:
        metrics.record_index(kb.version, len(kb.searcher.index.entries))


class IndexRefresher:
    """A loop for the process's background tasks: ``runtime.background.start(..., r.run())``."""

    def __init__(
        self,
        kb: KnowledgeBase,
        sessions: async_sessionmaker[AsyncSession],
        interval: float,
    ) -> None:
        self.kb = kb
        self.sessions = sessions
        self.interval = interval

    async def check(self) -> bool:
        """One poll: True if the replica switched to a newer version."""
        async with self.sessions() as session:
            switched = await self.kb.refresh(session)
            # The rebuild path only reads; end the transaction instead of holding it open.
            await session.rollback()
        if switched:
            record_loaded(self.kb)
        return switched

    async def run(self) -> None:
        record_loaded(self.kb)
        await every(self.interval, "index-refresher", self.check)


def _newest_local(root: Path) -> str | None:
    if not root.exists():
        return None
    names = sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").exists()
    )
    return names[-1] if names else None


async def warm_start(kb: KnowledgeBase) -> bool:
    """Load the newest index directory already on this disk (e.g. baked into the image).

    It is only a head start: the caller then switches to the version the database records,
    and a rebuild reuses this index's vectors for every unchanged text instead of
    embedding the whole corpus again.
    """
    version = _newest_local(kb.root)
    if version is None or kb.searcher is not None:
        return False
    try:
        index = await asyncio.to_thread(read_index, kb.root, version)
        kb._check(index)
    except (IndexMismatch, OSError, ValueError, KeyError) as exc:
        log.warning("local index %s not usable for a warm start: %s", version, exc)
        return False
    kb.searcher = Searcher(index, kb.model())
    log.info("warm start from local index %s", version)
    return True
