"""Read-only questions about registrations: the officer's list, a chat's own sign-ups,
the profile a chat used last time, waitlist positions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events.errors import RegistrationNotFound
from events.models import Company, Contact, Event, Registration, RegistrationStatus
from events.service import valid_id


@dataclass(frozen=True)
class RegistrationFilter:
    status: str | None = None
    county: str | None = None
    industry: str | None = None
    text: str | None = None  # part of the company name, or the start of its credit code


async def list_registrations(
    session: AsyncSession, event_id: int, filters: RegistrationFilter | None = None
) -> list[Registration]:
    """The event's registrations in queue order, narrowed by the filters given."""
    f = filters or RegistrationFilter()
    query = (
        select(Registration)
        .join(Company, Company.id == Registration.company_id)
        .where(Registration.event_id == event_id)
    )
    if f.status:
        query = query.where(Registration.status == f.status)
    if f.county:
        query = query.where(Company.county == f.county)
    if f.industry:
        query = query.where(Company.industry == f.industry)
    if f.text:
        needle = f.text.strip()
        query = query.where(
            or_(
                Company.name.contains(needle, autoescape=True),
                Company.credit_code.startswith(needle.upper(), autoescape=True),
            )
        )
    return list(await session.scalars(query.order_by(Registration.queued_at, Registration.id)))


async def registrations_of_chat(
    session: AsyncSession, chat_id: int, *, include_cancelled: bool = False
) -> list[Registration]:
    """Registrations made by contacts bound to this Telegram chat, soonest event first."""
    query = (
        select(Registration)
        .join(Contact, Contact.id == Registration.contact_id)
        .join(Event, Event.id == Registration.event_id)
        .where(Contact.telegram_chat_id == chat_id)
    )
    if not include_cancelled:
        query = query.where(Registration.status != RegistrationStatus.CANCELLED.value)
    return list(await session.scalars(query.order_by(Event.starts_at, Registration.id)))


async def last_contact_of_chat(session: AsyncSession, chat_id: int) -> Contact | None:
    """The contact (with its company) this chat signed up with most recently."""
    return await session.scalar(
        select(Contact)
        .join(Registration, Registration.contact_id == Contact.id)
        .where(Contact.telegram_chat_id == chat_id)
        .order_by(Registration.queued_at.desc(), Registration.id.desc())
        .limit(1)
    )


async def waitlist_position(session: AsyncSession, registration: Registration) -> int | None:
    """1 for the first in line; None when the registration is not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED.value:
        return None
    ahead = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
            or_(
                Registration.queued_at < registration.queued_at,
                (Registration.queued_at == registration.queued_at)
                & (Registration.id < registration.id),
            ),
        )
    )
    return int(ahead or 0) + 1


async def own_registration(
    session: AsyncSession, registration_id: int, chat_id: int | None
) -> Registration:
    """The registration when its contact is bound to ``chat_id`` (any, for ``None``: the
    office); otherwise ``RegistrationNotFound``, the same for missing and for not yours."""
    registration = (
        await session.get(Registration, registration_id) if valid_id(registration_id) else None
    )
    if registration is None or (
        chat_id is not None and registration.contact.telegram_chat_id != chat_id
    ):
        raise RegistrationNotFound(f"registration {registration_id} does not exist")
    return registration
