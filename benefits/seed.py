"""Seeding the rules table from the knowledge pack's ``rules.yaml``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benefits.loading import load_rules_file
from benefits.schema import Rule
from benefits.store import RuleChange, sync_pack_rules
from core.db import write_transaction
from knowledge.pack import PACK_DIR, pack_rules_file
from knowledge.service import KnowledgeBase

PACK_RULES = pack_rules_file(PACK_DIR)


async def read_pack_rules(path: Path | None = PACK_RULES) -> list[Rule]:
    """The pack's rules, validated with file/line/field errors ([] without the file)."""
    if path is None or not await asyncio.to_thread(path.exists):
        return []
    return await asyncio.to_thread(load_rules_file, path)


async def seed_pack_rules(
    sessions: async_sessionmaker[AsyncSession],
    path: Path | None = PACK_RULES,
    *,
    knowledge: KnowledgeBase | None = None,
) -> list[RuleChange]:
    """Add the pack's new rules and follow its changes (idempotent; no notifications).

    The quotes are checked against the documents in the database, so the documents must
    have been ingested first. With ``knowledge``, a change rebuilds the search index in
    the same transaction (the index takes the rules from the table).
    """
    rules = await read_pack_rules(path)
    if not rules:
        return []
    for attempt in (1, 2):
        try:
            async with write_transaction(sessions) as session:
                changes = await sync_pack_rules(session, rules)
                if changes and knowledge is not None:
                    await knowledge.rebuild(session)
                return changes
        except IntegrityError:
            # Another replica seeded the same rules at the same moment; its rows are
            # there now, so the second pass only compares.
            if attempt == 2:
                raise
    return []
