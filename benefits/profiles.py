"""Company profiles per chat: the answers given in the benefits conversation, completed by
what the subscriber record already says about the company (county, industry, size)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits.models import BenefitProfile
from benefits.schema import FACT_NAMES, CompanyProfile, FactValue
from campaigns.subscribers import Subscriber, get_subscriber
from core.db import utcnow


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


def to_profile(facts: Mapping[str, Any]) -> CompanyProfile:
    """A validated profile from stored facts; a fact that no longer validates is dropped."""
    kept = {k: v for k, v in facts.items() if k in FACT_NAMES}
    try:
        return CompanyProfile.model_validate(kept)
    except ValueError:
        good = {}
        for name, value in kept.items():
            try:
                CompanyProfile.model_validate({name: value})
            except ValueError:
                continue
            good[name] = value
        return CompanyProfile.model_validate(good)


async def stored_facts(session: AsyncSession, chat_id: int) -> dict[str, Any]:
    row = await session.scalar(select(BenefitProfile).where(BenefitProfile.chat_id == chat_id))
    return dict(row.facts) if row is not None else {}


async def profile_of(session: AsyncSession, chat_id: int) -> CompanyProfile:
    """What is known about the company behind a chat (its own answers win)."""
    facts: dict[str, Any] = subscriber_facts(await get_subscriber(session, chat_id))
    facts.update(await stored_facts(session, chat_id))
    return to_profile(facts)


async def save_answers(
    session: AsyncSession, chat_id: int, answers: CompanyProfile
) -> CompanyProfile:
    """Merge newly given answers (the profile's set fields) into the chat's stored facts."""
    row = await session.scalar(select(BenefitProfile).where(BenefitProfile.chat_id == chat_id))
    if row is None:
        row = BenefitProfile(chat_id=chat_id, facts={})
        session.add(row)
    given = answers.model_dump(include=answers.model_fields_set)
    row.facts = {**row.facts, **given}
    row.updated_at = utcnow()
    await session.flush()
    return await profile_of(session, chat_id)


async def forget(session: AsyncSession, chat_id: int) -> None:
    row = await session.scalar(select(BenefitProfile).where(BenefitProfile.chat_id == chat_id))
    if row is not None:
        await session.delete(row)
        await session.flush()
