"""The rules in the database: seeded from the knowledge pack, maintained by officers.

Every write is validated with the same schema as ``rules.yaml`` plus the references: the
document must exist and the quote must be verbatim in it. Writes return the changes, so
that callers can tell the companies a new or changed rule now fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits.citations import load_documents
from benefits.loading import RulesError, duplicate_ids, reference_problems
from benefits.models import BenefitRule
from benefits.schema import Rule
from core.db import utcnow
from core.errors import NotFound


@dataclass(frozen=True)
class RuleChange:
    """``before`` is None for a new rule, ``after`` is None for a removed one."""

    before: Rule | None
    after: Rule | None

    @property
    def slug(self) -> str:
        rule = self.after or self.before
        assert rule is not None
        return rule.id


async def active_rules(session: AsyncSession) -> list[Rule]:
    rows = await session.scalars(
        select(BenefitRule)
        .where(BenefitRule.active.is_(True))
        .order_by(BenefitRule.position, BenefitRule.id)
    )
    return [Rule.model_validate(row.data) for row in rows]


async def _rows_by_slug(session: AsyncSession) -> dict[str, BenefitRule]:
    return {row.slug: row for row in await session.scalars(select(BenefitRule))}


def _current(row: BenefitRule | None) -> Rule | None:
    return Rule.model_validate(row.data) if row is not None and row.active else None


async def check_references(session: AsyncSession, rules: Sequence[Rule], *, single: bool) -> None:
    documents = await load_documents(session, (r.document for r in rules))
    texts = {slug: doc.text for slug, doc in documents.items()}
    problems = ([] if single else duplicate_ids(rules)) + reference_problems(
        rules, texts, single=single
    )
    if problems:
        raise RulesError(problems)


def _write(
    session: AsyncSession,
    row: BenefitRule | None,
    rule: Rule,
    position: int,
    origin: str,
    actor: str | None,
) -> BenefitRule:
    if row is None:
        row = BenefitRule(slug=rule.id)
        session.add(row)
    row.data, row.position, row.origin, row.active = rule.to_data(), position, origin, True
    row.updated_by, row.updated_at = actor, utcnow()
    return row


async def sync_pack_rules(session: AsyncSession, rules: Sequence[Rule]) -> list[RuleChange]:
    """Bring the pack's rules in: new ones are added, pack-origin ones follow the pack;
    rules an officer wrote or deleted are left as the officer left them."""
    await check_references(session, rules, single=False)
    rows = await _rows_by_slug(session)
    changes = []
    for position, rule in enumerate(rules):
        row = rows.get(rule.id)
        if row is not None and (row.origin != "pack" or not row.active):
            continue
        before = _current(row)
        if before != rule:
            _write(session, row, rule, position, "pack", None)
            changes.append(RuleChange(before, rule))
    await session.flush()
    return changes


async def retire_pack_rules(session: AsyncSession, keep: set[str]) -> list[RuleChange]:
    """Deactivate the active pack-origin rules whose ids are not in ``keep`` (another pack
    was chosen); rules an officer wrote stay."""
    changes = []
    for row in (await _rows_by_slug(session)).values():
        if row.origin == "pack" and row.active and row.slug not in keep:
            changes.append(RuleChange(_current(row), None))
            row.active = False
    await session.flush()
    return changes


async def replace_rules(
    session: AsyncSession, rules: Sequence[Rule], actor: str | None
) -> list[RuleChange]:
    """Make ``rules`` the whole active rule set, in this order."""
    await check_references(session, rules, single=False)
    rows = await _rows_by_slug(session)
    changes = []
    for position, rule in enumerate(rules):
        row = rows.get(rule.id)
        before = _current(row)
        if before != rule or row is None or row.position != position:
            _write(session, row, rule, position, "admin", actor)
        if before != rule:
            changes.append(RuleChange(before, rule))
    kept = {r.id for r in rules}
    for slug, row in rows.items():
        if slug not in kept and row.active:
            changes.append(RuleChange(_current(row), None))
            row.active, row.origin, row.updated_by = False, "admin", actor
    await session.flush()
    return changes


async def put_rule(session: AsyncSession, rule: Rule, actor: str | None) -> RuleChange | None:
    """Add or replace one rule; None when it is unchanged."""
    await check_references(session, [rule], single=True)
    row = await session.scalar(select(BenefitRule).where(BenefitRule.slug == rule.id))
    before = _current(row)
    if before == rule:
        return None
    if row is not None and row.active:
        position = row.position
    else:
        last = await session.scalar(select(func.max(BenefitRule.position)))
        position = (last or 0) + 1
    _write(session, row, rule, position, "admin", actor)
    await session.flush()
    return RuleChange(before, rule)


async def delete_rule(session: AsyncSession, slug: str, actor: str | None) -> RuleChange:
    row = await session.scalar(select(BenefitRule).where(BenefitRule.slug == slug))
    before = _current(row)
    if row is None or before is None:
        raise NotFound(f"no rule {slug!r}", field="id")
    row.active, row.origin, row.updated_by = False, "admin", actor
    await session.flush()
    return RuleChange(before, None)
