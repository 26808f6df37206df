"""Company profiles per chat, from three sources, later ones winning:

1. the subscriber record (county, industry, size, "has no patents");
2. the company the chat registered for events with (``events.models.Company``: county,
   industry, size, patent counts; a financing need given for a matchmaking event);
3. the answers the chat gave in the benefits conversation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits.models import BenefitProfile
from benefits.schema import FACT_NAMES, CompanyProfile, FactValue
from campaigns.subscribers import Subscriber, get_subscriber
from core.db import utcnow
from events.models import Company, Contact, FinancingNeed, Registration
from events.queries import last_contact_of_chat


def subscriber_facts(subscriber: Subscriber | None) -> dict[str, FactValue]:
    """The facts a subscriber record states for certain."""
    if subscriber is None:
        return {}
    facts: dict[str, FactValue] = {}
    if subscriber.county:
        facts["county"] = subscriber.county
    if subscriber.industry:
        facts["industry"] = subscriber.industry
    if subscriber.above_designated_size is not None:
        facts["above_designated_size"] = subscriber.above_designated_size
    # "No patents" fixes the counts of granted patents; "has patents" does not say which kind.
    if subscriber.has_patents is False:
        facts["granted_patents"] = 0
        facts["invention_patents"] = 0
    return facts


def company_record_facts(company: Company, has_financing_need: bool) -> dict[str, FactValue]:
    """The facts a registered company's record states (patent counts are granted ones)."""
    facts: dict[str, FactValue] = {}
    for name in ("county", "industry", "above_designated_size", "invention_patents"):
        value = getattr(company, name)
        if value is not None and value != "":
            facts[name] = value
    kinds = (company.invention_patents, company.utility_model_patents, company.design_patents)
    if all(count is not None for count in kinds):
        facts["granted_patents"] = sum(count for count in kinds if count is not None)
    if has_financing_need:  # no need stated at one event does not mean no need at all
        facts["has_financing_need"] = True
    return facts


async def company_facts(session: AsyncSession, chat_id: int) -> dict[str, FactValue]:
    """The facts of the company this chat last registered for an event with, if any."""
    contact = await last_contact_of_chat(session, chat_id)
    if contact is None:
        return {}
    need = await session.scalar(
        select(FinancingNeed.id)
        .join(Registration, Registration.id == FinancingNeed.registration_id)
        .where(Registration.company_id == contact.company_id)
        .limit(1)
    )
    return company_record_facts(contact.company, need is not None)


def to_profile(facts: Mapping[str, Any]) -> CompanyProfile:
    """A validated profile from stored facts; a fact that no longer validates is dropped."""
    good = {}
    for name, value in facts.items():
        if name not in FACT_NAMES:
            continue
        try:
            CompanyProfile.model_validate({name: value})
        except ValueError:
            continue
        good[name] = value
    return CompanyProfile.model_validate(good)


async def _row(session: AsyncSession, chat_id: int, *, create: bool) -> BenefitProfile | None:
    row = await session.scalar(select(BenefitProfile).where(BenefitProfile.chat_id == chat_id))
    if row is None and create:
        row = BenefitProfile(chat_id=chat_id, facts={}, asked=[])
        session.add(row)
    return row


async def stored_facts(session: AsyncSession, chat_id: int) -> dict[str, Any]:
    row = await _row(session, chat_id, create=False)
    return dict(row.facts) if row is not None else {}


def _merged(*sources: Mapping[str, Any]) -> CompanyProfile:
    facts: dict[str, Any] = {}
    for source in sources:
        facts.update(source)
    return to_profile(facts)


async def profile_of(session: AsyncSession, chat_id: int) -> CompanyProfile:
    """What is known about the company behind a chat."""
    return _merged(
        subscriber_facts(await get_subscriber(session, chat_id)),
        await company_facts(session, chat_id),
        await stored_facts(session, chat_id),
    )


async def profiles_of(
    session: AsyncSession, subscribers: Sequence[Subscriber]
) -> dict[int, CompanyProfile]:
    """``profile_of`` for many subscribers at once (by chat id), in a few queries per
    thousand: stored answers in one, company records only for chats that registered."""
    chats = [s.chat_id for s in subscribers]
    stored = {
        row.chat_id: row.facts
        for row in await session.scalars(
            select(BenefitProfile).where(BenefitProfile.chat_id.in_(chats))
        )
    }
    registered = set(
        await session.scalars(
            select(Contact.telegram_chat_id).where(Contact.telegram_chat_id.in_(chats)).distinct()
        )
    )
    out = {}
    for subscriber in subscribers:
        chat_id = subscriber.chat_id
        company = await company_facts(session, chat_id) if chat_id in registered else {}
        out[chat_id] = _merged(subscriber_facts(subscriber), company, stored.get(chat_id, {}))
    return out


async def save_answers(
    session: AsyncSession, chat_id: int, answers: CompanyProfile
) -> CompanyProfile:
    """Merge answers (the profile's fields that were given) into the chat's stored facts."""
    row = await _row(session, chat_id, create=True)
    assert row is not None
    row.facts = {**row.facts, **answers.model_dump(include=answers.model_fields_set)}
    row.updated_at = utcnow()
    await session.flush()
    return await profile_of(session, chat_id)


async def start_round(session: AsyncSession, chat_id: int) -> None:
    row = await _row(session, chat_id, create=True)
    assert row is not None
    row.asked = []
    await session.flush()


async def asked_in_round(session: AsyncSession, chat_id: int) -> list[str]:
    row = await _row(session, chat_id, create=False)
    return list(row.asked) if row is not None else []


async def record_answer(
    session: AsyncSession, chat_id: int, fact: str, value: FactValue, *, known: bool
) -> None:
    """Store one answer; ``known=False`` ("not sure") makes the fact unknown again."""
    if known:
        CompanyProfile.model_validate({fact: value})  # refuses a value the fact cannot hold
    row = await _row(session, chat_id, create=True)
    assert row is not None
    facts = {k: v for k, v in row.facts.items() if k != fact}
    row.facts = {**facts, fact: value} if known else facts
    row.asked = [*[f for f in row.asked if f != fact], fact]
    row.updated_at = utcnow()
    await session.flush()


async def forget(session: AsyncSession, chat_id: int) -> None:
    """Drop the chat's own answers (registration and subscriber facts remain)."""
    row = await _row(session, chat_id, create=False)
    if row is not None:
        await session.delete(row)
        await session.flush()
