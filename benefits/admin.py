"""Officers' rule edits: the one path every front door takes (the admin API, the admin UI).

Each call is one write transaction holding, together or not at all:

- the rule change itself (validated: schema, document, verbatim quote);
- the benefit notice for the companies the change newly fits (``benefits.notify``): a
  campaign the delivery workers pick up, so nothing is lost if this process dies after
  the commit;
- a new version of the search index: with ``knowledge`` built here, so that /ask answers
  with the new wording as soon as the call returns, every other replica switching to it
  on its next poll; without, only recorded, and every replica (this one too) builds it
  on its next poll (``knowledge.service.request_version``).

Usage::

    changes = await put_one(runtime.sessions, rule, "officer name", knowledge=runtime.knowledge)
    changes = await delete_one(runtime.sessions, "rule-slug", actor, knowledge=runtime.knowledge)
    changes = await replace_all(runtime.sessions, rules, actor, knowledge=runtime.knowledge)

They return the changes (empty when nothing changed: no notice, no new index). Invalid
rules raise ``benefits.loading.RulesError``; deleting an unknown rule raises
``core.errors.NotFound``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benefits.notify import enqueue_notice
from benefits.schema import Rule
from benefits.store import RuleChange, delete_rule, put_rule, replace_rules
from core.db import write_transaction
from knowledge.service import KnowledgeBase, request_version

Sessions = async_sessionmaker[AsyncSession]
Write = Callable[[AsyncSession], Awaitable[list[RuleChange]]]


async def _apply(
    sessions: Sessions, write: Write, knowledge: KnowledgeBase | None, now: datetime | None
) -> list[RuleChange]:
    async with write_transaction(sessions) as session:
        changes = await write(session)
        if changes:
            await enqueue_notice(session, changes, now)
            if knowledge is not None:
                await knowledge.rebuild(session)
            else:
                await request_version(session)
    return changes


async def replace_all(
    sessions: Sessions,
    rules: Sequence[Rule],
    actor: str,
    *,
    knowledge: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> list[RuleChange]:
    """Make ``rules`` the whole active rule set, in this order; rules left out are removed."""

    async def write(session: AsyncSession) -> list[RuleChange]:
        return await replace_rules(session, rules, actor)

    return await _apply(sessions, write, knowledge, now)


async def put_one(
    sessions: Sessions,
    rule: Rule,
    actor: str,
    *,
    knowledge: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> list[RuleChange]:
    """Add or replace one rule (by its id)."""

    async def write(session: AsyncSession) -> list[RuleChange]:
        change = await put_rule(session, rule, actor)
        return [change] if change else []

    return await _apply(sessions, write, knowledge, now)


async def delete_one(
    sessions: Sessions,
    slug: str,
    actor: str,
    *,
    knowledge: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> list[RuleChange]:
    """Remove one rule from matching and from /ask (it stays as an inactive row, so that
    a later pack update does not bring it back)."""

    async def write(session: AsyncSession) -> list[RuleChange]:
        return [await delete_rule(session, slug, actor)]

    return await _apply(sessions, write, knowledge, now)
