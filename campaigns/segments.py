"""Segments: which subscribers a campaign goes to, as a JSON object over their attributes.

Every key narrows the audience (AND); a list means "any of these" (OR). The empty
segment ``{}`` is everyone who is subscribed and has not blocked the bot.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.subscribers import Subscriber
from core.errors import InvalidInput

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


def event_audience(event_id: int) -> Select[int | None]:
    """Chat ids of contacts whose registration for ``event_id`` is live (not cancelled)."""
    from events.models import Contact, Registration, RegistrationStatus

    return (
        select(Contact.telegram_chat_id)
        .join(Registration, Registration.contact_id == Contact.id)
        .where(
            Registration.event_id == event_id,
            Registration.status != RegistrationStatus.CANCELLED.value,
            Contact.telegram_chat_id.is_not(None),
        )
    )


def condition(segment: Segment) -> ColumnElement[bool]:
    """The SQL condition on ``Subscriber`` for a segment, eligibility included."""
    parts: list[ColumnElement[bool]] = [
        Subscriber.subscribed.is_(True),
        Subscriber.blocked.is_(False),
    ]
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
    if segment.locales:
        parts.append(Subscriber.locale.in_(segment.locales))
    if segment.event_id is not None:
        parts.append(Subscriber.chat_id.in_(event_audience(segment.event_id)))
    return and_(true(), *parts)


async def count_audience(session: AsyncSession, segment: Segment) -> int:
    """How many subscribers the segment reaches right now."""
    total = await session.scalar(select(func.count(Subscriber.id)).where(condition(segment)))
    return int(total or 0)
