"""Sign-up, cancellation and check-in.

Each change is one transaction that first locks the event row, so seats are allocated
one registration at a time: on PostgreSQL by ``SELECT ... FOR UPDATE``, on SQLite by
``BEGIN IMMEDIATE`` (``core.db.write_transaction``). Notices go out after the commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow, write_transaction
from core.errors import Conflict, InvalidInput
from core.outbox import Outbox
from core.replays import digest_of, earlier_reply, remember_reply
from events.errors import (
    AlreadyRegistered,
    EventCancelled,
    EventNotFound,
    RegistrationClosed,
    RegistrationNotFound,
)
from events.models import (
    Company,
    Contact,
    Event,
    EventKind,
    EventStatus,
    FinancingNeed,
    Registration,
    RegistrationStatus,
)
from events.notices import Notice, notice_for, queue
from events.queries import own_registration
from events.reminders import schedule_reminders, skip_reminders
from events.schemas import ContactIn, RegistrationIn
from events.seats import promote_waitlist, seat_counts
from events.service import get_event

SIGNUP_SCOPE = "signup"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door
ATTEMPTS = 3


@dataclass(frozen=True)
class Registered:
    """A new registration and its secret (shown once; only its hash is stored)."""

    registration: Registration
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def public_summary(registration: Registration) -> dict[str, object]:
    """What a 409 may reveal about an existing registration: no secret, no check-in code,
    since anybody who knows a company's (public) credit code can trigger it."""
    return {
        "id": registration.id,
        "event_id": registration.event_id,
        "status": registration.status,
        "seats": registration.seats,
        "created_at": registration.created_at.isoformat(),
    }


async def register(
    sessions: async_sessionmaker[AsyncSession],
    event_id: int,
    form: RegistrationIn,
    *,
    channel: str = "api",
    chat_id: int | None = None,
    locale: str = "zh",
    now: datetime | None = None,
    request_key: str | None = None,
) -> Registered:
    """Register a company: confirmed while seats are free and nobody waits, else waitlisted.

    Refusals: unknown or draft event (404), cancelled event, deadline passed, same company
    registered already (409 with the existing registration).

    ``request_key`` (a client's ``Idempotency-Key``): the same sign-up sent again with the
    same key returns the first registration and its secret instead of a 409, for a day.
    """
    for attempt in range(ATTEMPTS):
        try:
            async with write_transaction(sessions) as session:
                if request_key is None:
                    return await _register(session, event_id, form, channel, chat_id, locale, now)
                return await _register_once(
                    session, event_id, form, channel, chat_id, locale, now, request_key
                )
        except IntegrityError:
            # A concurrent transaction inserted the same company or contact first (or a
            # check-in code collided): retry, which finds the winner's rows.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _register_once(
    session: AsyncSession,
    event_id: int,
    form: RegistrationIn,
    channel: str,
    chat_id: int | None,
    locale: str,
    now: datetime | None,
    request_key: str,
) -> Registered:
    # The event lock comes first, so that two sends of one key are served one after the
    # other and the second finds the first's reply.
    await get_event(session, event_id, lock=True)
    digest = digest_of(event_id, form.model_dump(mode="json"), channel, chat_id)
    earlier = await earlier_reply(session, SIGNUP_SCOPE, request_key, digest, now)
    if earlier is not None:
        registration = await session.get(Registration, earlier["registration_id"])
        assert registration is not None  # registrations are cancelled, never deleted
        return Registered(registration, str(earlier["secret"]))
    done = await _register(session, event_id, form, channel, chat_id, locale, now)
    reply = {"registration_id": done.registration.id, "secret": done.secret}
    await remember_reply(session, SIGNUP_SCOPE, request_key, digest, reply, now)
    return done


async def _register(
    session: AsyncSession,
    event_id: int,
    form: RegistrationIn,
    channel: str,
    chat_id: int | None,
    locale: str,
    now: datetime | None,
) -> Registered:
    event = await get_event(session, event_id, lock=True)
    # Taken under the lock, so that queue order is the order in which seats were decided.
    now = now or utcnow()
    refuse_if_closed(event, now)
    if form.seats > event.capacity:
        raise InvalidInput(
            f"seats: 最多可报{event.capacity}个席位 (at most {event.capacity} seats)",
            field="seats",
        )
    if form.financing_need is not None and event.kind != EventKind.FINANCING_MATCHMAKING.value:
        raise InvalidInput(
            "financing_need: 只有银企对接活动才填写融资需求 (only for financing matchmaking"
            " events)",
            field="financing_need",
        )
    company, speaks_for_it = await company_for_signup(session, form, chat_id)
    registration = await session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.company_id == company.id
        )
    )
    if registration is not None and registration.status != RegistrationStatus.CANCELLED.value:
        raise AlreadyRegistered(
            f"{company.name} 已报名此活动 (this company is already registered for this event)",
            field="company.credit_code",
            extra={"existing": public_summary(registration)},
        )
    contact = await contact_for_signup(
        session, company, form.contact, chat_id, locale, speaks_for_it=speaks_for_it
    )
    counts = (await seat_counts(session, [event.id]))[event.id]
    fits = counts.waitlisted == 0 and counts.seated + form.seats <= event.capacity
    status = RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITLISTED
    secret = secrets.token_urlsafe(24)
    if registration is None:
        registration = Registration(event_id=event.id, company_id=company.id)
        session.add(registration)
    else:  # a cancelled registration of this company comes back to life at the queue's end
        registration.financing_need = None
        await session.flush()  # delete the old need before its replacement is inserted
        registration.cancelled_at = registration.cancelled_by = None
        registration.checked_in_at = None
    registration.contact_id = contact.id
    registration.seats = form.seats
    registration.status = status.value
    registration.channel = channel
    registration.checkin_code = _checkin_code()
    registration.secret_hash = hash_secret(secret)
    registration.queued_at = now
    registration.confirmed_at = now if fits else None
    registration.submitted = {
        "company": form.company.model_dump(mode="json", exclude={"credit_code"}),
        "contact": {"name": form.contact.name},
    }
    if form.financing_need is not None:
        need = form.financing_need
        registration.financing_need = FinancingNeed(
            amount_wan=need.amount_wan,
            patents=list(need.patents),
            purpose=need.purpose,
            preferred_banks=list(need.preferred_banks),
        )
    await session.flush()
    await schedule_reminders(session, registration, event, now)
    await session.refresh(registration)
    return Registered(registration, secret)


def refuse_if_closed(event: Event, now: datetime) -> None:
    if event.status == EventStatus.DRAFT.value:
        raise EventNotFound(f"event {event.id} does not exist", field="event_id")
    if event.status == EventStatus.CANCELLED.value:
        raise EventCancelled(f"活动「{event.title}」已取消 (this event has been cancelled)")
    if now >= event.registration_deadline or now >= event.starts_at:
        raise RegistrationClosed(
            f"活动「{event.title}」报名已截止 (registration for this event has closed)"
        )


async def company_for_signup(
    session: AsyncSession, form: RegistrationIn, chat_id: int | None
) -> tuple[Company, bool]:
    """The company with the form's credit code, and whether the registrant speaks for it.

    A new credit code creates the company from the form. A known one keeps its stored
    details unless the registrant shows they speak for it (``speaks_for``): anybody may
    type a company's public credit code, so a plain sign-up must not rewrite the record
    that exports, reminders and benefit matching read.
    """
    data = form.company
    fields = data.model_dump(exclude={"credit_code"}, exclude_none=True)
    company = await session.scalar(select(Company).where(Company.credit_code == data.credit_code))
    if company is None:
        company = Company(credit_code=data.credit_code, **fields)
        session.add(company)
        await session.flush()
        return company, True
    trusted = await speaks_for(session, company, chat_id, form.company_secret)
    if trusted:
        for name, value in fields.items():
            setattr(company, name, value)
        await session.flush()
    return company, trusted


async def speaks_for(
    session: AsyncSession, company: Company, chat_id: int | None, secret: str | None
) -> bool:
    """True for a Telegram chat already tied to one of the company's contacts, or for the
    secret of one of the company's registrations. A wrong secret is refused, not ignored."""
    if secret is not None:
        found = await session.scalar(
            select(Registration.id)
            .where(Registration.company_id == company.id)
            .where(Registration.secret_hash == hash_secret(secret))
            .limit(1)
        )
        if found is None:
            raise InvalidInput(
                "company_secret: 这不是该企业的报名凭证 (this is not a secret of one of this"
                " company's registrations)",
                field="company_secret",
            )
        return True
    if chat_id is None:
        return False
    tied = await session.scalar(
        select(Contact.id)
        .where(Contact.company_id == company.id, Contact.telegram_chat_id == chat_id)
        .limit(1)
    )
    return tied is not None


async def contact_for_signup(
    session: AsyncSession,
    company: Company,
    data: ContactIn,
    chat_id: int | None,
    locale: str,
    *,
    speaks_for_it: bool,
) -> Contact:
    """The company's contact with this phone, created when new.

    A known contact keeps its name unless the registrant speaks for the company. A contact
    tied to one Telegram chat is never moved to another: that chat sees and may cancel the
    contact's registrations.
    """
    contact = await session.scalar(
        select(Contact).where(Contact.company_id == company.id, Contact.phone == data.phone)
    )
    if contact is None:
        contact = Contact(
            company_id=company.id,
            phone=data.phone,
            name=data.name,
            telegram_chat_id=chat_id,
            locale=locale,
        )
        session.add(contact)
        await session.flush()
        return contact
    if chat_id is not None and contact.telegram_chat_id not in (None, chat_id):
        raise Conflict(
            "此手机号已绑定另一个 Telegram 账号，请用该账号报名或联系工作人员 (this phone number"
            " belongs to another Telegram account: sign up from that account or ask the office)",
            field="contact.phone",
        )
    if speaks_for_it:
        contact.name = data.name
    if chat_id is not None:
        contact.telegram_chat_id = chat_id
        contact.locale = locale
    await session.flush()
    return contact


async def find_by_secret(session: AsyncSession, secret: str) -> Registration:
    registration = await session.scalar(
        select(Registration).where(Registration.secret_hash == hash_secret(secret))
    )
    if registration is None:
        raise RegistrationNotFound("no registration has this secret", field="secret")
    return registration


async def cancel_registration(
    sessions: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    secret: str | None = None,
    registration_id: int | None = None,
    chat_id: int | None = None,
    by: str = "registrant",
) -> Registration:
    """Cancel by the registration's secret, by the owning Telegram chat, or by an officer
    (``by="office"`` with the id). Frees the seats, promotes the waitlist in order and tells
    the promoted companies. Cancelling twice is harmless."""
    async with write_transaction(sessions) as session:
        if secret is not None:
            found = await find_by_secret(session, secret)
        else:
            if by != "office" and chat_id is None:
                raise RegistrationNotFound(f"registration {registration_id} does not exist")
            found = await own_registration(
                session, registration_id or 0, None if by == "office" else chat_id
            )
        event = await get_event(session, found.event_id, lock=True)
        registration = await session.get(Registration, found.id, populate_existing=True)
        assert registration is not None  # the event lock keeps the row in place
        notices: list[Notice | None] = []
        if registration.status == RegistrationStatus.CANCELLED.value:
            return registration
        if registration.status == RegistrationStatus.ATTENDED.value:
            raise Conflict("已签到的报名不能取消 (an attended registration cannot be cancelled)")
        if by != "office" and utcnow() >= event.starts_at:
            raise RegistrationClosed("活动已开始，不能取消 (the event has started)")
        registration.status = RegistrationStatus.CANCELLED.value
        registration.cancelled_at, registration.cancelled_by = utcnow(), by
        await skip_reminders(session, registration.id)
        if by == "office":
            notices.append(notice_for(registration, "cancelled_by_office"))
        promoted = await promote_waitlist(session, event)
        notices += [notice_for(reg, "promoted") for reg in promoted]
        await queue(session, outbox, notices)
    return registration
