"""Officers' rule edits, each in one write transaction, returning what changed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benefits.schema import Rule
from benefits.store import RuleChange, delete_rule, put_rule, replace_rules
from core.db import write_transaction

Sessions = async_sessionmaker[AsyncSession]


async def replace_all(sessions: Sessions, rules: Sequence[Rule], actor: str) -> list[RuleChange]:
    async with write_transaction(sessions) as session:
        return await replace_rules(session, rules, actor)


async def put_one(sessions: Sessions, rule: Rule, actor: str) -> list[RuleChange]:
    async with write_transaction(sessions) as session:
        change = await put_rule(session, rule, actor)
    return [change] if change else []


async def delete_one(sessions: Sessions, slug: str, actor: str) -> list[RuleChange]:
    async with write_transaction(sessions) as session:
        return [await delete_rule(session, slug, actor)]
