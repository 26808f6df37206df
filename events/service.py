"""Events: create, read, update, cancel; seat counts; status and deadline rules.

Changes that affect seats run in ``write_transaction`` with the event row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), the same lock
that registrations take, so capacity is never oversold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from core.errors import Conflict, InvalidInput
from core.outbox import Outbox
from events.errors import CompanyNotFound, EventNotFound
from events.models import (
    Company,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderStatus,
)
from events.notices import Notice, notice_for, queue
from events.reminders import due_time
from events.schemas import CompanyPatch, EventIn, EventPatch
from events.seats import promote_waitlist, seat_counts


def registration_open(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        event.status == EventStatus.PUBLISHED.value
        and now < event.registration_deadline
        and now < event.starts_at
    )


async def list_public_events(
    session: AsyncSession, *, kind: str | None = None, now: datetime | None = None
) -> list[Event]:
    """Published events that have not started yet, soonest first."""
    query = select(Event).where(
        Event.status == EventStatus.PUBLISHED.value, Event.starts_at > (now or utcnow())
    )
    if kind:
        query = query.where(Event.kind == kind)
    return list(await session.scalars(query.order_by(Event.starts_at, Event.id)))


# Ids are 32-bit integers in the database: a larger one (a forged button, a fuzzed URL)
# names nothing, and must not reach PostgreSQL as an out-of-range parameter.
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


async def get_public_event(session: AsyncSession, event_id: int) -> Event:
    """A published or cancelled event; drafts are invisible to the public."""
    event = await session.get(Event, event_id) if valid_id(event_id) else None
    if event is None or event.status == EventStatus.DRAFT.value:
        raise EventNotFound(f"event {event_id} does not exist", field="event_id")
    return event


async def list_events(
    session: AsyncSession, *, status: str | None = None, kind: str | None = None
) -> list[Event]:
    query = select(Event)
    if status:
        query = query.where(Event.status == status)
    if kind:
        query = query.where(Event.kind == kind)
    return list(await session.scalars(query.order_by(Event.starts_at.desc(), Event.id.desc())))


async def get_event(session: AsyncSession, event_id: int, *, lock: bool = False) -> Event:
    query = select(Event).where(Event.id == event_id)
    if lock:
        query = query.with_for_update()
    event = await session.scalar(query) if valid_id(event_id) else None
    if event is None:
        raise EventNotFound(f"event {event_id} does not exist", field="event_id")
    return event


async def update_company(session: AsyncSession, company_id: int, patch: CompanyPatch) -> Company:
    """An officer corrects a company's stored details (sign-ups never do, see
    ``events.registration.company_for_signup``)."""
    company = await session.get(Company, company_id) if valid_id(company_id) else None
    if company is None:
        raise CompanyNotFound(f"company {company_id} does not exist", field="company_id")
    for name, value in patch.model_dump(exclude_unset=True).items():
        if value is None and name == "name":
            raise InvalidInput("name: 企业名称不能为空 (a company needs a name)", field="name")
        setattr(company, name, value)
    await session.commit()
    return company


async def create_event(session: AsyncSession, data: EventIn) -> Event:
    event = Event(
        kind=data.kind.value,
        title=data.title,
        description=data.description,
        place=data.place,
        starts_at=data.starts_at,
        registration_deadline=data.registration_deadline or data.starts_at,
        capacity=data.capacity,
        status=data.status.value,
    )
    session.add(event)
    await session.flush()
    return event


async def delete_draft_event(session: AsyncSession, event_id: int) -> None:
    """Remove an event that was never published; published ones are cancelled instead."""
    event = await get_event(session, event_id)
    if event.status != EventStatus.DRAFT.value:
        raise Conflict(
            "只能删除草稿活动，已发布的活动请取消 (only drafts can be deleted; cancel a published"
            " event instead)",
            field="status",
        )
    await session.delete(event)
    await session.flush()


async def update_event(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    event_id: int,
    patch: EventPatch,
) -> Event:
    """Apply a partial update. Cancelling tells every registrant; more capacity promotes
    the waitlist; a new start time moves the pending reminders."""
    notices: list[Notice | None] = []
    async with write_transaction(sessions) as session:
        event = await get_event(session, event_id, lock=True)
        changes = patch.model_dump(exclude_unset=True, exclude_none=True)
        new_status = changes.pop("status", None)
        if event.status == EventStatus.CANCELLED.value and (
            changes or new_status not in (None, EventStatus.CANCELLED)
        ):
            raise Conflict(
                f"活动已取消，不能再修改 (event {event_id} is cancelled and cannot be changed)",
                field="status",
            )
        old_start = event.starts_at
        if (
            "starts_at" in changes
            and "registration_deadline" not in changes
            and event.registration_deadline >= old_start
        ):
            # A deadline that defaulted to the start moves with it.
            changes["registration_deadline"] = changes["starts_at"]
        capacity: int | None = changes.pop("capacity", None)
        for name, value in changes.items():
            setattr(event, name, getattr(value, "value", value))
        if event.registration_deadline > event.starts_at:
            raise InvalidInput(
                "registration_deadline: 报名截止时间不能晚于活动开始时间 (must not be after"
                " starts_at)",
                field="registration_deadline",
            )
        counts = (await seat_counts(session, [event.id]))[event.id]
        if capacity is not None:
            if capacity < counts.seated:
                raise InvalidInput(
                    f"capacity: 已确认{counts.seated}个席位，容量不能更少 ({counts.seated} seats"
                    " are already confirmed; cancel registrations first)",
                    field="capacity",
                )
            event.capacity = capacity
        if event.starts_at != old_start:
            await _reschedule_reminders(session, event)
        if new_status == EventStatus.CANCELLED and event.status != EventStatus.CANCELLED.value:
            notices = await _cancel_event(session, event)
        elif new_status is not None:
            if new_status == EventStatus.DRAFT and counts.registrations:
                raise Conflict(
                    "已有报名的活动不能改回草稿，请取消活动 (an event with registrations cannot go"
                    " back to draft; cancel it instead)",
                    field="status",
                )
            event.status = new_status.value
        if event.status == EventStatus.PUBLISHED.value:
            promoted = await promote_waitlist(session, event)
            notices += [notice_for(reg, "promoted") for reg in promoted]
        await queue(session, outbox, notices)
    return event


async def _cancel_event(session: AsyncSession, event: Event) -> list[Notice | None]:
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at = utcnow()
    live = await session.scalars(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.status.in_(
                [RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value]
            ),
        )
    )
    await session.execute(
        update(Reminder)
        .where(
            Reminder.registration_id.in_(
                select(Registration.id).where(Registration.event_id == event.id)
            ),
            Reminder.status == ReminderStatus.PENDING.value,
        )
        .values(status=ReminderStatus.SKIPPED.value)
    )
    return [notice_for(reg, "event_cancelled") for reg in live]


async def _reschedule_reminders(session: AsyncSession, event: Event) -> None:
    pending = await session.scalars(
        select(Reminder)
        .join(Registration, Registration.id == Reminder.registration_id)
        .where(Registration.event_id == event.id, Reminder.status == ReminderStatus.PENDING.value)
    )
    for reminder in pending:
        reminder.due_at = due_time(event.starts_at, reminder.kind)
