"""Check-in at the door: the registrant shows or says the check-in code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from events.errors import NotCheckedIn, RegistrationNotFound
from events.models import Registration, RegistrationStatus
from events.service import get_event


async def check_in(
    sessions: async_sessionmaker[AsyncSession], event_id: int, code: str
) -> tuple[Registration, bool]:
    """Mark the registration with this check-in code attended. Returns it and whether it
    had been checked in before (a second scan is not an error)."""
    async with write_transaction(sessions) as session:
        await get_event(session, event_id, lock=True)
        registration = await session.scalar(
            select(Registration).where(
                Registration.event_id == event_id,
                Registration.checkin_code == code.strip().upper(),
            )
        )
        if registration is None:
            raise RegistrationNotFound("no registration of this event has this check-in code")
        if registration.status == RegistrationStatus.ATTENDED.value:
            return registration, True
        if registration.status != RegistrationStatus.CONFIRMED.value:
            raise NotCheckedIn(
                f"报名状态为 {registration.status}，不能签到 (a {registration.status}"
                " registration cannot check in)"
            )
        registration.status = RegistrationStatus.ATTENDED.value
        registration.checked_in_at = utcnow()
        return registration, False
