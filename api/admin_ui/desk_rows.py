"""What the event desk shows of each registration: names, not ids or codes.

Rows are built from ``events.queries.list_registrations`` (queue order) and the event's
``SeatCount``; waitlist positions come from ``events.queries.waitlist_position``, the
number a waitlisted company is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from api.admin_ui.labels import label
from events.models import SEATED, Event, EventKind, Registration, RegistrationStatus
from events.queries import waitlist_position
from events.seats import SeatCount


@dataclass(frozen=True)
class DeskRow:
    number: int  # place in the queue, 1 for the first to sign up
    registration: Registration
    status: str  # 已确认, 候补中 …
    channel: str  # 网页, Telegram 机器人
    position: int | None  # on the waitlist, 1 for the first in line
    financing: str  # at matchmaking events: amount, collateral, purpose

    @property
    def can_check_in(self) -> bool:
        return self.registration.status == RegistrationStatus.CONFIRMED.value

    @property
    def can_cancel(self) -> bool:
        return self.registration.status in (
            RegistrationStatus.CONFIRMED.value,
            RegistrationStatus.WAITLISTED.value,
        )


@dataclass(frozen=True)
class DeskFigures:
    """The numbers at the top of the desk."""

    capacity: int
    seated: int
    seats_left: int
    waitlisted: int
    attended: int
    cancelled: int


def figures(event: Event, counts: SeatCount, rows: Sequence[DeskRow]) -> DeskFigures:
    statuses = [row.registration.status for row in rows]
    return DeskFigures(
        capacity=event.capacity,
        seated=counts.seated,
        seats_left=max(event.capacity - counts.seated, 0),
        waitlisted=counts.waitlisted,
        attended=statuses.count(RegistrationStatus.ATTENDED.value),
        cancelled=statuses.count(RegistrationStatus.CANCELLED.value),
    )


def amount_text(amount: Decimal) -> str:
    """``500`` for 500.00, ``12.5`` for 12.50: 万元 as people write them."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def financing_text(registration: Registration) -> str:
    need = registration.financing_need
    if need is None:
        return ""
    parts = [f"{amount_text(need.amount_wan)}万元"]
    if need.patents:
        parts.append("质押专利：" + "、".join(need.patents))
    if need.purpose:
        parts.append("用途：" + need.purpose)
    if need.preferred_banks:
        parts.append("意向银行：" + "、".join(need.preferred_banks))
    return "；".join(parts)


async def desk_rows(
    session: AsyncSession, event: Event, registrations: Sequence[Registration]
) -> list[DeskRow]:
    matchmaking = event.kind == EventKind.FINANCING_MATCHMAKING.value
    rows = []
    for number, reg in enumerate(registrations, start=1):
        rows.append(
            DeskRow(
                number=number,
                registration=reg,
                status=label("registration_status", reg.status),
                channel=label("registration_channel", reg.channel),
                position=await waitlist_position(session, reg),
                financing=financing_text(reg) if matchmaking else "",
            )
        )
    return rows


def sheet_rows(rows: Sequence[DeskRow]) -> list[DeskRow]:
    """Who comes to the door: the registrations holding seats, in queue order."""
    return [row for row in rows if row.registration.status in SEATED]


def masked_phone(phone: str) -> str:
    """``138****8000``: a printed sheet lies open at the door."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone
