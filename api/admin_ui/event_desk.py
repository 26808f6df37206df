"""One officer desk per event at ``/admin/events/{id}/desk``: the registrants in queue
order, check-in (by code, by a click on the row, by scanning the QR code with a phone),
cancelling on behalf of a company, the waitlist, exports and a printable sign-in sheet.

Every operation goes through the services the admin events API uses (``events.checkin``,
``events.registration.cancel_registration``, ``events.queries``, ``events.exports``), so
the desk and the API cannot disagree. Results come back to the page as codes in the
address (``?checked=12``, ``?problem=unknown``), never as text taken from the address.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqladmin import expose
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.admin_ui.desk_rows import (
    DeskFigures,
    DeskRow,
    desk_rows,
    figures,
    masked_phone,
    sheet_rows,
)
from api.admin_ui.pages import RolePage, not_found, runtime_of
from api.routes.admin_events import XLSX, CheckInIn
from core.errors import DomainError, one_language
from events import exports, service
from events.checkin import check_in
from events.errors import NotCheckedIn, RegistrationNotFound
from events.models import Event, EventKind, Registration, RegistrationStatus
from events.queries import RegistrationFilter, list_registrations, own_registration
from events.registration import cancel_registration
from events.seats import seat_counts

# What went wrong with a check-in, by the code the page is sent back with.
PROBLEMS = {
    "invalid": "请输入 4–12 位签到码。",
    "unknown": "没有找到这个签到码的报名，请核对后重试。",
    "not_confirmed": "该报名未确认（候补中或已取消），不能签到。",
}
# Where a check-in form sends the officer back to.
BACK_TO_SCAN = "scan"


def _event_id(request: Request) -> int:
    return int(request.path_params["event_id"])


class EventDeskPage(RolePage):
    """Reached from the events list and each event's page, not from the menu."""

    name, icon = "签到台", "fa-solid fa-clipboard-check"

    def is_visible(self, request: Request) -> bool:
        return False

    @expose("/events/{event_id:id}/desk", methods=["GET"], identity="event-desk")
    async def desk(self, request: Request) -> Response:
        event_id = _event_id(request)
        found = await self._desk_data(request, event_id)
        if found is None:
            return not_found("没有这个活动。")
        event, rows, counts = found
        by_id = {row.registration.id: row for row in rows}
        context = {
            "event": event,
            "rows": rows,
            "waitlist": [row for row in rows if row.position is not None],
            "figures": counts,
            "matchmaking": event.kind == EventKind.FINANCING_MATCHMAKING.value,
            **_outcome(request, by_id),
        }
        return await self.templates.TemplateResponse(request, "policydesk/desk.html", context)

    @expose("/events/{event_id:id}/desk/scan", methods=["GET"], identity="event-desk-scan")
    async def scan(self, request: Request) -> Response:
        """A phone's camera reads the check-in QR code (the browser's BarcodeDetector);
        where it cannot, the officer types the code."""
        event_id = _event_id(request)
        found = await self._desk_data(request, event_id)
        if found is None:
            return not_found("没有这个活动。")
        event, rows, counts = found
        by_id = {row.registration.id: row for row in rows}
        context = {"event": event, "figures": counts, **_outcome(request, by_id)}
        return await self.templates.TemplateResponse(request, "policydesk/desk_scan.html", context)

    @expose("/events/{event_id:id}/desk/checkin", methods=["POST"], identity="event-desk-checkin")
    async def checkin_by_code(self, request: Request) -> Response:
        event_id = _event_id(request)
        async with request.form() as form:
            code, back = str(form.get("code") or ""), str(form.get("back") or "")
        try:
            body = CheckInIn.model_validate({"code": code.strip()})
        except ValidationError:
            return _back(request, event_id, back, problem="invalid")
        return await _check_in(request, event_id, body.code, back)

    @expose(
        "/events/{event_id:id}/desk/registrations/{registration_id:id}/checkin",
        methods=["POST"],
        identity="event-desk-checkin-row",
    )
    async def checkin_row(self, request: Request) -> Response:
        """A click on the row: the registration's own code, through the same check-in."""
        event_id = _event_id(request)
        registration = await _registration_of(request, event_id)
        if registration is None:
            return not_found("这个活动没有这条报名。")
        return await _check_in(request, event_id, registration.checkin_code, "")

    @expose(
        "/events/{event_id:id}/desk/registrations/{registration_id:id}/cancel",
        methods=["GET", "POST"],
        identity="event-desk-cancel",
    )
    async def cancel(self, request: Request) -> Response:
        """GET asks to confirm; POST cancels on behalf of the office: the company is told
        and the waitlist moves up, in order."""
        event_id = _event_id(request)
        registration = await _registration_of(request, event_id)
        if registration is None:
            return not_found("这个活动没有这条报名。")
        error = None
        if request.method == "POST":
            runtime = runtime_of(request)
            before = await _waitlisted_ids(request, event_id)
            try:
                await cancel_registration(
                    runtime.sessions,
                    runtime.outbox,
                    registration_id=registration.id,
                    by="office",
                )
            except DomainError as exc:
                error = one_language(exc.message, "zh")
            else:
                still = set(await _waitlisted_ids(request, event_id))
                promoted = ",".join(str(i) for i in before if i not in still)
                return _back(request, event_id, "", cancelled=registration.id, promoted=promoted)
        async with runtime_of(request).sessions() as session:
            event = await service.get_event(session, event_id)
        context = {"event": event, "registration": registration, "error": error}
        return await self.templates.TemplateResponse(
            request,
            "policydesk/desk_cancel.html",
            context,
            status_code=409 if error else 200,
        )

    @expose("/events/{event_id:id}/desk/sheet", methods=["GET"], identity="event-desk-sheet")
    async def sheet(self, request: Request) -> Response:
        """The sign-in sheet to print: who holds seats, a column to sign in."""
        found = await self._desk_data(request, _event_id(request))
        if found is None:
            return not_found("没有这个活动。")
        event, rows, _ = found
        context = {"event": event, "rows": sheet_rows(rows), "masked_phone": masked_phone}
        return await self.templates.TemplateResponse(request, "policydesk/desk_sheet.html", context)

    @expose(
        "/events/{event_id:id}/desk/registrations.csv",
        methods=["GET"],
        identity="event-desk-csv",
    )
    async def export_csv(self, request: Request) -> Response:
        return await _export(request, "csv")

    @expose(
        "/events/{event_id:id}/desk/registrations.xlsx",
        methods=["GET"],
        identity="event-desk-xlsx",
    )
    async def export_xlsx(self, request: Request) -> Response:
        return await _export(request, "xlsx")

    async def _desk_data(
        self, request: Request, event_id: int
    ) -> tuple[Event, list[DeskRow], DeskFigures] | None:
        async with runtime_of(request).sessions() as session:
            try:
                event = await service.get_event(session, event_id)
            except DomainError:
                return None
            registrations = await list_registrations(session, event_id)
            rows = await desk_rows(session, event, registrations)
            counts = (await seat_counts(session, [event_id]))[event_id]
        return event, rows, figures(event, counts, rows)


async def _registration_of(request: Request, event_id: int) -> Registration | None:
    """The registration named in the address, if it belongs to this event."""
    async with runtime_of(request).sessions() as session:
        try:
            registration = await own_registration(
                session, int(request.path_params["registration_id"]), None
            )
        except RegistrationNotFound:
            return None
    return registration if registration.event_id == event_id else None


async def _waitlisted_ids(request: Request, event_id: int) -> list[int]:
    async with runtime_of(request).sessions() as session:
        waiting = await list_registrations(
            session, event_id, RegistrationFilter(status=RegistrationStatus.WAITLISTED.value)
        )
    return [reg.id for reg in waiting]


async def _check_in(request: Request, event_id: int, code: str, back: str) -> Response:
    try:
        registration, before = await check_in(runtime_of(request).sessions, event_id, code)
    except RegistrationNotFound:
        return _back(request, event_id, back, problem="unknown")
    except NotCheckedIn:
        return _back(request, event_id, back, problem="not_confirmed")
    except DomainError:  # the event itself is gone
        return not_found("没有这个活动。")
    return _back(request, event_id, back, checked=registration.id, again=int(before))


def _desk_url(request: Request, event_id: int, page: str = "event-desk") -> str:
    return str(request.url_for(f"admin:view-{page}", event_id=event_id))


def _back(request: Request, event_id: int, back: str, **flags: object) -> Response:
    page = "event-desk-scan" if back == BACK_TO_SCAN else "event-desk"
    query = "&".join(f"{k}={v}" for k, v in flags.items() if v)
    return RedirectResponse(f"{_desk_url(request, event_id, page)}?{query}", status_code=303)


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else None


def _outcome(request: Request, rows: dict[int, DeskRow]) -> dict[str, Any]:
    """What the last action did, from the codes in the address."""
    promoted = [
        rows[int(i)]
        for i in request.query_params.get("promoted", "").split(",")
        if i.isascii() and i.isdecimal() and len(i) < 10 and int(i) in rows
    ]
    checked, cancelled = _int_param(request, "checked"), _int_param(request, "cancelled")
    return {
        "checked": rows.get(checked) if checked else None,
        "again": request.query_params.get("again") == "1",
        "cancelled": rows.get(cancelled) if cancelled else None,
        "promoted": promoted,
        "problem": PROBLEMS.get(request.query_params.get("problem", "")),
    }


async def _export(request: Request, kind: str) -> Response:
    """The admin API's exports: formula-like cells neutralised (``core.csv_safe``)."""
    event_id = _event_id(request)
    async with runtime_of(request).sessions() as session:
        try:
            event = await service.get_event(session, event_id)
        except DomainError:
            return not_found("没有这个活动。")
        registrations = await list_registrations(session, event_id)
    if kind == "csv":
        body, media = exports.to_csv(registrations), "text/csv; charset=utf-8"
    else:
        body, media = exports.to_xlsx(registrations, title=event.title), XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.{kind}"'},
    )
