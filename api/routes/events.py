"""Public event routes: upcoming events, one event, sign-up, and the registrant's own
registration by its secret (look up, cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import IdempotencyKey, RuntimeDep, SessionDep
from events import service
from events.checkin_qr import checkin_qr_png
from events.errors import NotCheckedIn
from events.models import SEATED, Event, Registration
from events.queries import waitlist_position
from events.registration import cancel_registration, find_by_secret, register
from events.schemas import RegistrationIn
from events.seats import SeatCount, seat_counts

router = APIRouter(prefix="/api/v1", tags=["events"])

Kind = Literal["training", "financing_matchmaking", "other"]


class EventOut(BaseModel):
    id: int
    kind: Kind
    title: str
    description: str
    place: str
    starts_at: datetime
    registration_deadline: datetime
    capacity: int
    status: Literal["draft", "published", "cancelled"]
    seats_left: int
    waitlisted: int
    registration_open: bool

    @classmethod
    def of(cls, event: Event, counts: SeatCount) -> EventOut:
        return cls(
            id=event.id,
            kind=event.kind,
            title=event.title,
            description=event.description,
            place=event.place,
            starts_at=event.starts_at,
            registration_deadline=event.registration_deadline,
            capacity=event.capacity,
            status=event.status,
            seats_left=max(event.capacity - counts.seated, 0),
            waitlisted=counts.waitlisted,
            registration_open=service.registration_open(event),
        )


class CompanyOut(BaseModel):
    name: str
    credit_code: str


class FinancingNeedOut(BaseModel):
    amount_wan: float = Field(description="万元")
    patents: list[str]
    purpose: str
    preferred_banks: list[str]


RegistrationStatusOut = Literal["confirmed", "waitlisted", "cancelled", "attended"]


class RegistrationOut(BaseModel):
    """A registration as its registrant sees it (found by the secret)."""

    id: int
    event_id: int
    status: RegistrationStatusOut
    seats: int
    checkin_code: str | None = Field(
        None,
        description="Shown once the registration is confirmed: a waitlisted (or cancelled) "
        "one has none to show at the door",
    )
    waitlist_position: int | None = Field(None, description="1 = first in line")
    company: CompanyOut
    financing_need: FinancingNeedOut | None = None
    created_at: datetime

    @classmethod
    async def of(cls, session: AsyncSession, reg: Registration) -> RegistrationOut:
        need = reg.financing_need
        return cls(
            id=reg.id,
            event_id=reg.event_id,
            status=reg.status,
            seats=reg.seats,
            checkin_code=reg.checkin_code if reg.status in SEATED else None,
            waitlist_position=await waitlist_position(session, reg),
            company=CompanyOut(name=reg.company.name, credit_code=reg.company.credit_code),
            financing_need=None
            if need is None
            else FinancingNeedOut(
                amount_wan=float(need.amount_wan),
                patents=need.patents,
                purpose=need.purpose,
                preferred_banks=need.preferred_banks,
            ),
            created_at=reg.created_at,
        )


class RegistrationCreated(RegistrationOut):
    secret: str = Field(description="Shown once: keep it to look up or cancel this registration")


class SecretIn(BaseModel):
    secret: str = Field(min_length=1, max_length=200)


@router.get("/events", response_model=list[EventOut])
async def list_events(session: SessionDep, kind: Kind | None = Query(None)) -> list[EventOut]:
    """Published events that have not started, soonest first."""
    events = await service.list_public_events(session, kind=kind)
    counts = await seat_counts(session, [e.id for e in events])
    return [EventOut.of(e, counts[e.id]) for e in events]


@router.get("/events/{event_id:id}", response_model=EventOut)
async def get_event(event_id: int, session: SessionDep) -> EventOut:
    event = await service.get_public_event(session, event_id)
    return EventOut.of(event, (await seat_counts(session, [event.id]))[event.id])


@router.post(
    "/events/{event_id:id}/registrations",
    response_model=RegistrationCreated,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "already registered (with `existing`), closed or cancelled"}},
)
async def create_registration(
    event_id: int,
    body: RegistrationIn,
    runtime: RuntimeDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
    client: Annotated[
        Literal["web"] | None,
        Header(alias="X-Policydesk-Client", description="`web` from the office's web page"),
    ] = None,
) -> RegistrationCreated:
    """Sign a company up: `confirmed` while seats are free, else `waitlisted`.

    Send an `Idempotency-Key` header (a random id per sign-up): if the response is lost,
    sending the same request with the same key again returns the same registration and
    secret instead of a 409."""
    done = await register(
        runtime.sessions,
        event_id,
        body,
        channel="web" if client == "web" else "api",  # officers see where sign-ups come from
        request_key=idempotency_key,
    )
    out = await RegistrationOut.of(session, done.registration)
    return RegistrationCreated(**out.model_dump(), secret=done.secret)


@router.post("/registrations/lookup", response_model=RegistrationOut)
async def lookup_registration(body: SecretIn, session: SessionDep) -> RegistrationOut:
    return await RegistrationOut.of(session, await find_by_secret(session, body.secret))


@router.post("/registrations/cancel", response_model=RegistrationOut)
async def cancel_own_registration(
    body: SecretIn, runtime: RuntimeDep, session: SessionDep
) -> RegistrationOut:
    """Cancel with the secret returned at sign-up; the waitlist moves up."""
    registration = await cancel_registration(runtime.sessions, runtime.outbox, secret=body.secret)
    return await RegistrationOut.of(session, registration)


@router.post(
    "/registrations/checkin-qr",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "the check-in code as a QR image"},
        409: {"description": "not confirmed (waitlisted or cancelled): no check-in yet"},
    },
)
async def checkin_qr(body: SecretIn, session: SessionDep) -> Response:
    """The check-in code of a confirmed registration as a PNG QR code, for the registrant
    to show at the door. A waitlisted registration gets none until it is confirmed."""
    registration = await find_by_secret(session, body.secret)
    if registration.status not in SEATED:
        raise NotCheckedIn(
            "报名尚未确认，确认后才有签到二维码"
            " (no check-in QR until the registration is confirmed)",
            extra={"status": registration.status},
        )
    return Response(
        checkin_qr_png(registration.checkin_code),
        media_type="image/png",
        headers={"Cache-Control": "no-store"},
    )
