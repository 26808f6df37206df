"""Validated inputs of the registration service, shared by the API and the bot.

Field validators reuse ``events.validators`` so that an invalid value is refused with a
message naming the field and the problem, wherever it was typed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from core.errors import InvalidInput
from core.fields import Count, OptionalShortText, YesNo, free_text, required_text
from events.models import EventKind, EventStatus
from events.validators import (
    normalise_company_name,
    normalise_credit_code,
    normalise_mobile,
    normalise_patent_number,
)


def _as_value_error(check):  # type: ignore[no-untyped-def]
    """Turn a validator's ``InvalidInput`` into the ``ValueError`` pydantic reports."""

    def run(value: str) -> str:
        try:
            result: str = check(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return result

    return run


CreditCode = Annotated[str, AfterValidator(_as_value_error(normalise_credit_code))]
Mobile = Annotated[str, AfterValidator(_as_value_error(normalise_mobile))]
PatentNumber = Annotated[str, AfterValidator(_as_value_error(normalise_patent_number))]
Name = Annotated[str, required_text(200)]
CompanyName = Annotated[str, AfterValidator(_as_value_error(normalise_company_name))]
PersonName = Annotated[str, required_text(60)]


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CompanyName
    credit_code: CreditCode
    county: OptionalShortText = None
    industry: OptionalShortText = None
    above_designated_size: YesNo | None = Field(None, description="规模以上企业")
    invention_patents: Count | None = Field(None, ge=0, le=1_000_000)
    utility_model_patents: Count | None = Field(None, ge=0, le=1_000_000)
    design_patents: Count | None = Field(None, ge=0, le=1_000_000)


class CompanyPatch(BaseModel):
    """An officer's correction of a company's stored details; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: CompanyName | None = None
    county: OptionalShortText = None
    industry: OptionalShortText = None
    above_designated_size: YesNo | None = None
    invention_patents: Count | None = Field(None, ge=0, le=1_000_000)
    utility_model_patents: Count | None = Field(None, ge=0, le=1_000_000)
    design_patents: Count | None = Field(None, ge=0, le=1_000_000)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PersonName
    phone: Mobile


class FinancingNeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_wan: Decimal = Field(gt=0, le=10_000_000, decimal_places=2, description="万元")
    patents: list[PatentNumber] = Field(default_factory=list, max_length=50)
    purpose: Annotated[str, free_text(1000)] = ""
    preferred_banks: list[Name] = Field(default_factory=list, max_length=20)


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: CompanyIn
    contact: ContactIn
    seats: Count = Field(1, ge=1, le=50)
    financing_need: FinancingNeedIn | None = None
    company_secret: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The secret of an earlier registration of this company: shows that the"
        " registrant speaks for it, so the company's stored details take the new values",
    )


Title = Annotated[str, required_text(200)]
LongText = Annotated[str, free_text(5000)]
Place = Annotated[str, free_text(200)]


def _deadline_not_after_start(starts_at: datetime | None, deadline: datetime | None) -> None:
    if starts_at is not None and deadline is not None and deadline > starts_at:
        raise ValueError(
            "registration_deadline: 报名截止时间不能晚于活动开始时间 (must not be after starts_at)"
        )


class EventIn(BaseModel):
    """A new event. ``registration_deadline`` defaults to the start."""

    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    title: Title
    description: LongText = ""
    place: Place = ""
    starts_at: AwareDatetime
    registration_deadline: AwareDatetime | None = None
    capacity: Count = Field(ge=1, le=100_000)
    status: EventStatus = EventStatus.DRAFT

    @model_validator(mode="after")
    def _check(self) -> EventIn:
        _deadline_not_after_start(self.starts_at, self.registration_deadline)
        if self.status is EventStatus.CANCELLED:
            raise ValueError(
                "status: 不能直接创建已取消的活动 (an event cannot be created cancelled)"
            )
        return self


class EventPatch(BaseModel):
    """A partial update; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    kind: EventKind | None = None
    title: Title | None = None
    description: LongText | None = None
    place: Place | None = None
    starts_at: AwareDatetime | None = None
    registration_deadline: AwareDatetime | None = None
    capacity: Count | None = Field(None, ge=1, le=100_000)
    status: EventStatus | None = None

    @model_validator(mode="after")
    def _check(self) -> EventPatch:
        _deadline_not_after_start(self.starts_at, self.registration_deadline)
        return self
