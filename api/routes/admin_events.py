"""Admin event routes (officer or admin token): events, registrations, check-in, exports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from api.deps import CurrentAdmin, CurrentOfficer, RuntimeDep, SessionDep
from api.routes.events import EventOut, Kind, RegistrationOut, RegistrationStatusOut
from events import exports, service
from events.checkin import check_in
from events.models import Registration
from events.queries import RegistrationFilter, list_registrations
from events.registration import cancel_registration
from events.schemas import CompanyPatch, EventIn, EventPatch
from events.seats import seat_counts

router = APIRouter(prefix="/api/v1/admin", tags=["admin: events"])

EventStatusQ = Literal["draft", "published", "cancelled"]


class ContactOut(BaseModel):
    name: str
    phone: str


class AdminCompanyOut(BaseModel):
    id: int
    name: str
    credit_code: str
    county: str | None
    industry: str | None
    above_designated_size: bool | None
    invention_patents: int | None
    utility_model_patents: int | None
    design_patents: int | None


class AdminRegistrationOut(RegistrationOut):
    company: AdminCompanyOut  # type: ignore[assignment]
    contact: ContactOut
    channel: str
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    submitted: dict[str, object] | None = Field(
        None,
        description="What the registrant typed about the company and themselves; the stored"
        " company changes only by an officer or by a registrant who speaks for it",
    )


class CheckInIn(BaseModel):
    code: str = Field(min_length=4, max_length=12, description="The registrant's check-in code")


class CheckInOut(BaseModel):
    registration: AdminRegistrationOut
    already_checked_in: bool


async def _admin_view(session: SessionDep, reg: Registration) -> AdminRegistrationOut:
    base = (await RegistrationOut.of(session, reg)).model_dump(exclude={"company"})
    company = reg.company
    return AdminRegistrationOut(
        **base,
        company=AdminCompanyOut.model_validate(company, from_attributes=True),
        contact=ContactOut(name=reg.contact.name, phone=reg.contact.phone),
        channel=reg.channel,
        checked_in_at=reg.checked_in_at,
        cancelled_at=reg.cancelled_at,
        cancelled_by=reg.cancelled_by,
        submitted=reg.submitted,
    )


async def _end_read(session: SessionDep) -> None:
    """End the request session's transaction (the token check read through it) before a
    service writes in its own transaction: a SQLite reader that outlives another
    connection's commit cannot write afterwards, and would read the old snapshot."""
    await session.commit()


async def _event_out(session: SessionDep, event_id: int) -> EventOut:
    event = await service.get_event(session, event_id)
    return EventOut.of(event, (await seat_counts(session, [event.id]))[event.id])


@router.post("/events", response_model=EventOut, status_code=status.HTTP_201_CREATED)
async def create_event(body: EventIn, session: SessionDep, _: CurrentOfficer) -> EventOut:
    event = await service.create_event(session, body)
    return EventOut.of(event, (await seat_counts(session, [event.id]))[event.id])


@router.get("/events", response_model=list[EventOut])
async def list_events(
    session: SessionDep,
    _: CurrentOfficer,
    status_: EventStatusQ | None = Query(None, alias="status"),
    kind: Kind | None = None,
) -> list[EventOut]:
    events = await service.list_events(session, status=status_, kind=kind)
    counts = await seat_counts(session, [e.id for e in events])
    return [EventOut.of(e, counts[e.id]) for e in events]


@router.get("/events/{event_id:id}", response_model=EventOut)
async def get_event(event_id: int, session: SessionDep, _: CurrentOfficer) -> EventOut:
    return await _event_out(session, event_id)


@router.patch("/events/{event_id:id}", response_model=EventOut)
async def update_event(
    event_id: int, body: EventPatch, runtime: RuntimeDep, session: SessionDep, _: CurrentOfficer
) -> EventOut:
    """Change fields; `status: cancelled` tells every registrant, more capacity promotes."""
    await _end_read(session)
    await service.update_event(runtime.sessions, runtime.outbox, event_id, body)
    return await _event_out(session, event_id)


@router.delete("/events/{event_id:id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_event(event_id: int, session: SessionDep, _: CurrentAdmin) -> Response:
    """Delete a draft (admin role only); a published event is cancelled instead."""
    await service.delete_draft_event(session, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/events/{event_id:id}/registrations", response_model=list[AdminRegistrationOut])
async def registrations(
    event_id: int,
    session: SessionDep,
    _: CurrentOfficer,
    status_: RegistrationStatusOut | None = Query(None, alias="status"),
    county: str | None = Query(None, max_length=60),
    industry: str | None = Query(None, max_length=60),
    q: str | None = Query(None, max_length=100, description="company name or credit code"),
) -> list[AdminRegistrationOut]:
    await service.get_event(session, event_id)
    found = await list_registrations(
        session, event_id, RegistrationFilter(status_, county, industry, q)
    )
    return [await _admin_view(session, reg) for reg in found]


@router.post("/events/{event_id:id}/checkin", response_model=CheckInOut)
async def checkin(
    event_id: int, body: CheckInIn, runtime: RuntimeDep, session: SessionDep, _: CurrentOfficer
) -> CheckInOut:
    await _end_read(session)
    registration, before = await check_in(runtime.sessions, event_id, body.code)
    return CheckInOut(
        registration=await _admin_view(session, registration), already_checked_in=before
    )


@router.post("/registrations/{registration_id:id}/cancel", response_model=AdminRegistrationOut)
async def cancel(
    registration_id: int, runtime: RuntimeDep, session: SessionDep, _: CurrentOfficer
) -> AdminRegistrationOut:
    """Cancel on behalf of the office: the registrant is told, the waitlist moves up."""
    await _end_read(session)
    registration = await cancel_registration(
        runtime.sessions, runtime.outbox, registration_id=registration_id, by="office"
    )
    return await _admin_view(session, registration)


@router.patch("/companies/{company_id:id}", response_model=AdminCompanyOut)
async def update_company(
    company_id: int, body: CompanyPatch, session: SessionDep, _: CurrentOfficer
) -> AdminCompanyOut:
    """Correct a company's stored details (a public sign-up never changes them)."""
    company = await service.update_company(session, company_id, body)
    return AdminCompanyOut.model_validate(company, from_attributes=True)


@router.get(
    "/events/{event_id:id}/registrations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def registrations_csv(event_id: int, session: SessionDep, _: CurrentOfficer) -> Response:
    """UTF-8 with BOM (Excel reads the Chinese); formula-like cells neutralised."""
    await service.get_event(session, event_id)
    body = exports.to_csv(await list_registrations(session, event_id))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/events/{event_id:id}/registrations.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def registrations_xlsx(event_id: int, session: SessionDep, _: CurrentOfficer) -> Response:
    event = await service.get_event(session, event_id)
    body = exports.to_xlsx(await list_registrations(session, event_id), title=event.title)
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.xlsx"'},
    )
