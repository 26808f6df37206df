"""A company's sign-up for an event that already stands, found before a second one is
filled in, and who may see it: the chat that made it (or another chat tied to the
company), or whoever shows the secret of one of the company's registrations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from events.models import Company, Registration, RegistrationStatus
from events.registration import speaks_for


async def standing_registration(
    session: AsyncSession, event_id: int, credit_code: str
) -> Registration | None:
    """The company's registration for the event unless it was cancelled (a cancelled one
    may be signed up again); None when the company has none."""
    return await session.scalar(
        select(Registration)
        .join(Company, Company.id == Registration.company_id)
        .where(
            Registration.event_id == event_id,
            Company.credit_code == credit_code,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    )


async def may_see(
    session: AsyncSession, registration: Registration, chat_id: int, secret: str | None = None
) -> bool:
    """True for a chat tied to one of the company's contacts, or for the secret of one of
    the company's registrations; False for anybody else (a wrong secret included)."""
    try:
        return await speaks_for(session, registration.company, chat_id, secret)
    except InvalidInput:
        return False
