"""Benefit matching as the front doors use it: a profile in, the fitting benefits out,
each with its reason and the clause it rests on (document title, section, verbatim quote)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from benefits.citations import SourceDocument, load_documents
from benefits.inference import infer
from benefits.matcher import Facts, Outcome, Status, match
from benefits.reasons import Locale, reason
from benefits.schema import CompanyProfile, Condition
from benefits.store import active_rules


@dataclass(frozen=True)
class BenefitItem:
    id: str
    title: str
    benefit: str
    status: str
    reason: str
    document: str
    section: str
    quote: str
    next_step: str | None
    met: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    event_kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MatchResult:
    eligible: list[BenefitItem]
    potential: list[BenefitItem]

    def to_json(self) -> dict[str, Any]:
        return {
            "eligible": [asdict(i) for i in self.eligible],
            "potential": [asdict(i) for i in self.potential],
        }


def _facts_of(conditions: Iterable[Condition]) -> list[str]:
    return list(dict.fromkeys(c.fact for c in conditions))


async def match_profile(
    session: AsyncSession, profile: CompanyProfile, locale: Locale = "zh"
) -> MatchResult:
    """The active rules matched against ``profile``; not-applicable rules are left out."""
    rules = await active_rules(session)
    facts = infer(profile.known())
    outcomes = match(rules, facts)
    documents = await load_documents(session, (o.rule.document for o in outcomes))
    return build_result(outcomes, facts, documents, locale)


def build_result(
    outcomes: Iterable[Outcome],
    facts: Facts,
    documents: Mapping[str, SourceDocument],
    locale: Locale = "zh",
) -> MatchResult:
    """Eligible and potential items with reasons and citations, in the rules' order."""
    items: dict[Status, list[BenefitItem]] = {Status.ELIGIBLE: [], Status.POTENTIAL: []}
    for outcome in outcomes:
        if outcome.status in items:
            items[outcome.status].append(_item(outcome, facts, documents, locale))
    return MatchResult(items[Status.ELIGIBLE], items[Status.POTENTIAL])


def _item(
    outcome: Outcome, facts: Facts, documents: Mapping[str, SourceDocument], locale: Locale
) -> BenefitItem:
    rule = outcome.rule
    doc = documents.get(rule.document)
    # A rule whose document was removed still shows, cited by its slug.
    title, section = (doc.title, doc.section_of(rule.quote)) if doc else (rule.document, "")
    return BenefitItem(
        id=rule.id,
        title=rule.title,
        benefit=rule.benefit,
        status=outcome.status.value,
        reason=reason(outcome, facts, locale),
        document=title,
        section=section,
        quote=rule.quote,
        next_step=rule.next_step if outcome.status is Status.POTENTIAL else None,
        met=_facts_of(outcome.met),
        unknown=_facts_of(outcome.unknown),
        missing=_facts_of(c for group in outcome.missing for c in group),
        event_kinds=list(rule.event_kinds),
    )
