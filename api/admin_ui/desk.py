"""Events and API tokens in the admin UI, through the same services as the admin API.

Officers create and change events: the form is validated by the API's schemas and applied
by ``events.service`` (cancelling tells registrants, more capacity promotes the waitlist,
less than the confirmed seats is refused). Admins create tokens, whose secret is shown
once in the response and stored only as a hash, and revoke them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqladmin import expose
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.admin_ui.labels import choices, form_errors
from api.admin_ui.pages import RolePage, clock_of, not_found, runtime_of
from api.routes.admin_tokens import TokenCreate
from core.clock_display import OfficeClock
from core.db import write_transaction
from core.errors import DomainError
from core.tokens import Role, create_token, list_tokens, revoke_token
from events import service
from events.models import Event, EventKind, EventStatus
from events.schemas import EventIn, EventPatch
from events.seats import seat_counts

EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "place",
    "starts_at",
    "registration_deadline",
    "capacity",
    "status",
)
TIME_FIELDS = ("starts_at", "registration_deadline")
# A form sends text; the schemas take whole numbers only as numbers (the JSON API is strict).
NUMBER_FIELDS = ("capacity",)


def event_form(event: Event, clock: OfficeClock) -> dict[str, str]:
    """The form's values: times as its ``datetime-local`` fields hold them, office time."""
    values = {name: str(getattr(event, name)) for name in EVENT_FIELDS}
    values.update({name: clock.field(getattr(event, name)) for name in TIME_FIELDS})
    return values


def _submitted(form: FormData) -> dict[str, str]:
    # Browsers send a textarea's line breaks as CRLF.
    return {name: str(form.get(name) or "").replace("\r\n", "\n").strip() for name in EVENT_FIELDS}


def _as_data(values: dict[str, str], clock: OfficeClock) -> dict[str, Any]:
    """Form values for the schemas. Times without a zone are the office's time; an empty
    deadline is left out (it defaults to the start); other fields go as given, for the
    schema to judge."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name == "registration_deadline" and not value:
            continue
        if name in NUMBER_FIELDS and value.isascii() and value.isdecimal():
            data[name] = int(value)
            continue
        if name in TIME_FIELDS:
            try:
                data[name] = clock.read(value)
            except ValueError:
                pass  # the schema names the field and the problem
            else:
                continue
        data[name] = value
    return data


class EventsPage(RolePage):
    name, icon = "活动", "fa-solid fa-calendar"

    @expose("/events", methods=["GET"], identity="events")
    async def events(self, request: Request) -> Response:
        async with runtime_of(request).sessions() as session:
            events = await service.list_events(session)
            counts = await seat_counts(session, [e.id for e in events])
        context = {"events": events, "counts": counts}
        return await self.templates.TemplateResponse(request, "policydesk/events.html", context)

    @expose("/events/new", methods=["GET", "POST"], identity="events-new")
    async def new_event(self, request: Request) -> Response:
        values = {"kind": EventKind.TRAINING.value, "status": EventStatus.DRAFT.value}
        errors: list[str] = []
        if request.method == "POST":
            async with request.form() as form:
                values = _submitted(form)
            try:
                body = EventIn.model_validate(_as_data(values, clock_of(request)))
                async with write_transaction(runtime_of(request).sessions) as session:
                    event = await service.create_event(session, body)
            except (ValidationError, DomainError) as exc:
                errors = form_errors(exc)
            else:
                return _to_event(request, event.id, "saved")
        return await self._form(request, None, values, errors)

    @expose("/events/{event_id:id}", methods=["GET", "POST"], identity="events")
    async def edit_event(self, request: Request) -> Response:
        runtime = runtime_of(request)
        event_id = int(request.path_params["event_id"])
        try:
            async with runtime.sessions() as session:
                event = await service.get_event(session, event_id)
        except DomainError as exc:
            return not_found(exc.message)
        current = event_form(event, clock_of(request))
        values, errors = current, list[str]()
        if request.method == "POST":
            async with request.form() as form:
                values = _submitted(form)
            # Only what the officer changed, as a PATCH to the API would send it.
            changed = {k: v for k, v in values.items() if v != current[k]}
            try:
                patch = EventPatch.model_validate(_as_data(changed, clock_of(request)))
                if patch.model_fields_set:
                    await service.update_event(runtime.sessions, runtime.outbox, event_id, patch)
            except (ValidationError, DomainError) as exc:
                errors = form_errors(exc)
            else:
                return _to_event(request, event_id, "saved")
        return await self._form(request, event, values, errors)

    async def _form(
        self, request: Request, event: Event | None, values: dict[str, str], errors: list[str]
    ) -> Response:
        counts = None
        if event is not None:
            async with runtime_of(request).sessions() as session:
                counts = (await seat_counts(session, [event.id]))[event.id]
        context = {
            "event": event,
            "counts": counts,
            "values": values,
            "errors": errors,
            "saved": request.query_params.get("saved"),
            "kinds": choices("event_kind", [k.value for k in EventKind]),
            "statuses": choices("event_status", [s.value for s in EventStatus]),
        }
        return await self.templates.TemplateResponse(
            request, "policydesk/event.html", context, status_code=422 if errors else 200
        )


def _to_event(request: Request, event_id: int, flag: str) -> Response:
    events = str(request.url_for("admin:view-events"))
    return RedirectResponse(f"{events}/{event_id}?{flag}=1", status_code=303)


class TokensPage(RolePage):
    required = Role.ADMIN
    name, icon = "API 令牌", "fa-solid fa-key"

    @expose("/tokens", methods=["GET", "POST"], identity="tokens")
    async def tokens(self, request: Request) -> Response:
        sessions = runtime_of(request).sessions
        context: dict[str, Any] = {"created": None, "secret": None, "errors": []}
        if request.method == "POST":
            async with request.form() as form:
                fields = {"role": str(form.get("role") or ""), "name": str(form.get("name") or "")}
            try:
                body = TokenCreate.model_validate(fields)
                async with write_transaction(sessions) as session:
                    context["created"], context["secret"] = await create_token(
                        session, body.role, body.name
                    )
            except (ValidationError, DomainError) as exc:
                context["errors"] = form_errors(exc)
        async with sessions() as session:
            context["tokens"] = await list_tokens(session)
        context["revoked"] = request.query_params.get("revoked")
        response = await self.templates.TemplateResponse(
            request,
            "policydesk/tokens.html",
            context,
            status_code=422 if context["errors"] else 200,
        )
        response.headers["Cache-Control"] = "no-store"  # the page may hold a secret
        return response

    @expose("/tokens/{token_id:id}/revoke", methods=["POST"], identity="tokens")
    async def revoke(self, request: Request) -> Response:
        token_id = int(request.path_params["token_id"])
        try:
            async with write_transaction(runtime_of(request).sessions) as session:
                await revoke_token(session, token_id)
        except DomainError as exc:
            return not_found(exc.message)
        target = str(request.url_for("admin:view-tokens"))
        return RedirectResponse(f"{target}?revoked={token_id}", status_code=303)
