"""Seeding the rules table from the knowledge pack's ``rules.yaml``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benefits.loading import load_rules_file
from benefits.store import RuleChange, sync_pack_rules
from core.db import write_transaction
from knowledge.pack import PACK_DIR

PACK_RULES = PACK_DIR / "rules.yaml"


async def seed_pack_rules(
    sessions: async_sessionmaker[AsyncSession], path: Path = PACK_RULES
) -> list[RuleChange]:
    """Add the pack's new rules and follow its changes (idempotent; no notifications).

    The file is validated with file/line/field errors; the quotes against the documents
    in the database, so the documents must have been ingested first.
    """
    if not await asyncio.to_thread(path.exists):
        return []
    rules = await asyncio.to_thread(load_rules_file, path)
    for attempt in (1, 2):
        try:
            async with write_transaction(sessions) as session:
                return await sync_pack_rules(session, rules)
        except IntegrityError:
            # Another replica seeded the same rules at the same moment; its rows are
            # there now, so the second pass only compares.
            if attempt == 2:
                raise
    return []
