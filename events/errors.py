"""Typed errors of event registration; the API and the bot map them once."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound


class InvalidCreditCode(InvalidInput):
    code = "invalid_credit_code"


class InvalidCompanyName(InvalidInput):
    code = "invalid_company_name"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvalidPatentNumber(InvalidInput):
    code = "invalid_patent_number"


class EventNotFound(NotFound):
    code = "event_not_found"


class RegistrationNotFound(NotFound):
    code = "registration_not_found"


class CompanyNotFound(NotFound):
    code = "company_not_found"


class RegistrationClosed(Conflict):
    """The deadline has passed (or the event has started)."""

    code = "registration_closed"


class EventCancelled(Conflict):
    code = "event_cancelled"


class AlreadyRegistered(Conflict):
    """A second registration of the same company; ``extra['existing']`` describes the first."""

    code = "already_registered"


class NotCheckedIn(Conflict):
    """Check-in refused: the registration is not confirmed."""

    code = "not_checkable"
