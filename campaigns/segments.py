"""Segments: which subscribers a campaign goes to, as a JSON object over what is known
about them.

Every key narrows the audience (AND); a list means "any of these" (OR). The empty
segment ``{}`` is everyone who is subscribed and has not blocked the bot.

The company keys (counties, industries, company_sizes, above_designated_size,
has_patents) are about the subscriber's company. What is known of it: the companies
the subscriber's chat registered for events (``events.models.Company``, as stored), and
the subscriber record's own attributes. A subscriber is reached when one of these — one
registered company, or the record — meets every company key of the segment: "修武县 and
制造业" is a company that is both, not one company in each. Companies state no
``company_sizes`` (微型/小型/…), only ``above_designated_size``; that key is met by the
record alone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, Exists, Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from campaigns.subscribers import Subscriber
from core.errors import InvalidInput
from core.outbox import TELEGRAM
from events.models import Company, Contact, Registration, RegistrationStatus

CompanySize = Literal["micro", "small", "medium", "large"]


class Segment(BaseModel):
    """The stored JSON shape of a segment (unknown keys are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counties: list[str] = Field(default_factory=list, max_length=50, description="县/区")
    industries: list[str] = Field(default_factory=list, max_length=50)
    company_sizes: list[CompanySize] = Field(default_factory=list)
    above_designated_size: bool | None = Field(None, description="规模以上企业")
    has_patents: bool | None = None
    locales: list[Literal["zh", "en"]] = Field(default_factory=list)
    event_id: int | None = Field(None, description="registered for this event")

    def to_json(self) -> dict[str, object]:
        return self.model_dump(exclude_defaults=True)


def parse_segment(raw: dict[str, object] | None) -> Segment:
    """A ``Segment`` from request JSON; ``InvalidInput`` naming the bad key."""
    try:
        return Segment.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "segment"
        raise InvalidInput(
            f"segment: {where}: {first['msg']}", field="segment", key="errors.input.segment"
        ) from exc


def event_audience(
    event_id: int | ColumnElement[int] | QueryableAttribute[int],
) -> Select[int | None]:
    """Chat ids of contacts whose registration for ``event_id`` (a number, or a column of
    an enclosing query) is live (not cancelled)."""
    return (
        select(Contact.telegram_chat_id)
        .join(Registration, Registration.contact_id == Contact.id)
        .where(
            Registration.event_id == event_id,
            Registration.status != RegistrationStatus.CANCELLED.value,
            Contact.telegram_chat_id.is_not(None),
        )
        .correlate_except(Contact, Registration)  # an enclosing query's event, when a column
    )


def _on_record(segment: Segment) -> list[ColumnElement[bool]]:
    """The company keys as conditions on the subscriber record."""
    parts: list[ColumnElement[bool]] = []
    if segment.counties:
        parts.append(Subscriber.county.in_(segment.counties))
    if segment.industries:
        parts.append(Subscriber.industry.in_(segment.industries))
    if segment.company_sizes:
        parts.append(Subscriber.company_size.in_(segment.company_sizes))
    if segment.above_designated_size is not None:
        parts.append(Subscriber.above_designated_size.is_(segment.above_designated_size))
    if segment.has_patents is not None:
        parts.append(Subscriber.has_patents.is_(segment.has_patents))
    return parts


def _patents(has: bool) -> ColumnElement[bool]:
    """Has granted patents: any count above 0. Has none: every count stated, and 0 (an
    unstated count is not known to be 0)."""
    counts = (Company.invention_patents, Company.utility_model_patents, Company.design_patents)
    if has:
        return or_(*(count > 0 for count in counts))
    return and_(*(count == 0 for count in counts))


def _on_company(segment: Segment) -> list[ColumnElement[bool]] | None:
    """The company keys as conditions on a registered company; None when a company record
    cannot meet them (it states no ``company_sizes``)."""
    if segment.company_sizes:
        return None
    parts: list[ColumnElement[bool]] = []
    if segment.counties:
        parts.append(Company.county.in_(segment.counties))
    if segment.industries:
        parts.append(Company.industry.in_(segment.industries))
    if segment.above_designated_size is not None:
        parts.append(Company.above_designated_size.is_(segment.above_designated_size))
    if segment.has_patents is not None:
        parts.append(_patents(segment.has_patents))
    return parts


def registered_company(*conditions: ColumnElement[bool]) -> Exists:
    """The subscriber's chat registered (for any event, at any status) a company that meets
    the conditions. Correlated with ``Subscriber``: the join is by chat id."""
    return (
        exists()
        .where(
            Subscriber.channel == TELEGRAM,
            Contact.telegram_chat_id == Subscriber.chat_id,
            Registration.contact_id == Contact.id,
            Company.id == Registration.company_id,
            *conditions,
        )
        .correlate(Subscriber)
    )


def _company_condition(segment: Segment) -> ColumnElement[bool] | None:
    """The company keys: met by the record or by one registered company (None: no key)."""
    on_record = _on_record(segment)
    if not on_record:
        return None
    on_company = _on_company(segment)
    if on_company is None:
        return and_(*on_record)
    return or_(and_(*on_record), registered_company(*on_company))


def condition(segment: Segment) -> ColumnElement[bool]:
    """The SQL condition on ``Subscriber`` for a segment, eligibility included."""
    parts: list[ColumnElement[bool]] = [
        Subscriber.subscribed.is_(True),
        Subscriber.blocked.is_(False),
    ]
    company = _company_condition(segment)
    if company is not None:
        parts.append(company)
    if segment.locales:
        parts.append(Subscriber.locale.in_(segment.locales))
    if segment.event_id is not None:
        parts.append(
            and_(
                Subscriber.channel == TELEGRAM,
                Subscriber.chat_id.in_(event_audience(segment.event_id)),
            )
        )
    return and_(true(), *parts)


async def count_audience(session: AsyncSession, segment: Segment) -> int:
    """How many subscribers the segment reaches right now."""
    total = await session.scalar(select(func.count(Subscriber.id)).where(condition(segment)))
    return int(total or 0)
