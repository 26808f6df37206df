"""The active benefit rules as items of the knowledge index: a question about a subsidy
finds the rule, shown with the clause it rests on."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from benefits.store import active_rules
from knowledge import sources


async def rule_items(session: AsyncSession) -> Sequence[sources.CitedItem]:
    return [
        sources.CitedItem(
            kind="rule",
            key=f"rule:{rule.id}",
            title=rule.title,
            text=rule.benefit,
            document_slug=rule.document,
            quote=rule.quote,
        )
        for rule in await active_rules(session)
    ]


def register() -> None:
    sources.register("benefit_rules", rule_items)
