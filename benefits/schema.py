"""The shapes of benefit rules and company profiles, validated with pydantic.

A profile holds what is known about a company; a fact left out is *unknown*, and unknown
facts can make a rule possible but never eligible. A rule's ``conditions`` must all hold;
its ``any_of``, when non-empty, needs at least one to hold.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

FactName = Literal[
    "above_designated_size",
    "patent_applications",
    "invention_patents",
    "granted_patents",
    "software_copyrights",
    "famous_trademark",
    "gbt29490_certified",
    "demonstration_level",
    "pilot_unit",
    "industry",
    "county",
    "has_financing_need",
    "high_tech",
    "has_service_inventions",
]
FactValue = bool | int | str | None
Level = Literal["national", "provincial", "city"]
# What a rule's clause gives the company itself: money, a reward, a service (training,
# matchmaking, guidance) or priority in support. A clause that gives the company none of
# these (a duty towards its inventors, a reward to a person, a condition for an award
# nomination, a permission) is no benefit of the company's and is never listed as one.
Grant = Literal["funding", "reward", "service", "priority"]
EventKindName = Literal["training", "financing_matchmaking", "other"]  # events.models.EventKind

FACT_NAMES: tuple[str, ...] = get_args(FactName)
DEMONSTRATION_LEVELS: tuple[str, ...] = get_args(Level)
# Each fact's kind; "level" is demonstration_level, whose null means "not a demonstration unit".
FACT_KINDS: dict[str, str] = {
    "above_designated_size": "bool",
    "patent_applications": "count",
    "invention_patents": "count",
    "granted_patents": "count",
    "software_copyrights": "count",
    "famous_trademark": "bool",
    "gbt29490_certified": "bool",
    "demonstration_level": "level",
    "pilot_unit": "bool",
    "industry": "text",
    "county": "text",
    "has_financing_need": "bool",
    "high_tech": "bool",
    "has_service_inventions": "bool",
}
# Facts a company can change by its own effort (file patents, get certified, ...): a rule
# that fails only on one of these is a step away, not out of reach.
ATTAINABLE_FACTS = frozenset(
    {
        "patent_applications",
        "invention_patents",
        "granted_patents",
        "software_copyrights",
        "famous_trademark",
        "gbt29490_certified",
        "demonstration_level",
        "pilot_unit",
        "high_tech",
    }
)
LEVEL_RANK: dict[str | None, int] = {None: 0, "city": 1, "provincial": 2, "national": 3}

MAX_COUNT = 10_000_000
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
NonBlank = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"\S")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]


def check_fact_value(fact: str, value: Any) -> FactValue:
    """``value`` if it is a valid value of ``fact``; ValueError naming what is expected."""
    kind = FACT_KINDS[fact]
    if kind == "bool" and isinstance(value, bool):
        return value
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if kind == "count" and is_int and 0 <= value <= MAX_COUNT:
        return value  # type: ignore[no-any-return]
    if kind == "level" and (value is None or value in DEMONSTRATION_LEVELS):
        return value  # type: ignore[no-any-return]
    if kind == "text" and isinstance(value, str) and value.strip() and "\x00" not in value:
        return value
    expected = {
        "bool": "true or false",
        "count": f"a whole number from 0 to {MAX_COUNT}",
        "level": f"one of {', '.join(DEMONSTRATION_LEVELS)} or null",
        "text": "a non-empty text",
    }[kind]
    raise ValueError(f"{fact} must be {expected}, not {value!r}")


class CompanyProfile(BaseModel):
    """What is known about a company. Leave a fact out (or null) when it is unknown.

    ``demonstration_level: null`` given explicitly means "not a demonstration unit".
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    above_designated_size: StrictBool | None = Field(None, description="规模以上工业企业")
    patent_applications: Count | None = Field(None, description="专利申请数量")
    invention_patents: Count | None = Field(None, description="授权发明专利数量")
    granted_patents: Count | None = Field(None, description="授权专利数量(各类)")
    software_copyrights: Count | None = Field(None, description="登记的计算机软件著作权数量")
    famous_trademark: StrictBool | None = Field(None, description="拥有驰名商标")
    gbt29490_certified: StrictBool | None = Field(
        None, description="通过《企业知识产权管理规范》(GB/T 29490) 认证(贯标)"
    )
    demonstration_level: Level | None = Field(
        None, description="知识产权示范单位级别; explicit null = not a demonstration unit"
    )
    pilot_unit: StrictBool | None = Field(None, description="焦作市知识产权试点单位")
    industry: Text | None = Field(None, description="所属行业, e.g. 新能源")
    county: Text | None = Field(None, description="所在县(市)区")
    has_financing_need: StrictBool | None = Field(None, description="有融资需求")
    high_tech: StrictBool | None = Field(None, description="高新技术企业或科技型中小企业")
    has_service_inventions: StrictBool | None = Field(None, description="有职务发明")

    def known(self) -> dict[str, FactValue]:
        """The known facts: every fact given with a value, and an explicit null level."""
        facts: dict[str, FactValue] = {}
        for name in FACT_NAMES:
            value = getattr(self, name)
            if value is not None or (
                name == "demonstration_level" and name in self.model_fields_set
            ):
                facts[name] = value
        return facts


class Condition(BaseModel):
    """One test over a fact: exactly one of ``equals``, ``at_least``, ``in``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: FactName
    equals: Any = None
    at_least: StrictInt | None = Field(None, ge=0, le=MAX_COUNT)
    in_: list[Any] | None = Field(None, alias="in", min_length=1)

    @field_validator("equals")
    @classmethod
    def _equals_fits_fact(cls, value: Any, info: ValidationInfo) -> Any:
        fact = info.data.get("fact")
        return check_fact_value(fact, value) if fact else value

    @field_validator("at_least")
    @classmethod
    def _at_least_on_counts(cls, value: int | None, info: ValidationInfo) -> int | None:
        fact = info.data.get("fact")
        if fact and FACT_KINDS[fact] != "count":
            raise ValueError(f"at_least needs a count fact; {fact} is not a count")
        return value

    @field_validator("in_")
    @classmethod
    def _in_fits_fact(cls, values: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        fact = info.data.get("fact")
        if fact and values is not None:
            return [check_fact_value(fact, v) for v in values]
        return values

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = self.model_fields_set & {"equals", "at_least", "in_"}
        if len(given) != 1:
            raise ValueError("give exactly one of equals, at_least, in")
        return self

    @property
    def operator(self) -> str:
        given = self.model_fields_set & {"equals", "at_least", "in_"}
        return "in" if "in_" in given else given.pop()

    @property
    def expected(self) -> Any:
        return {"equals": self.equals, "at_least": self.at_least, "in": self.in_}[self.operator]

    def to_data(self) -> dict[str, Any]:
        return {"fact": self.fact, self.operator: self.expected}


class Rule(BaseModel):
    """A benefit, the conditions over a company profile that grant it, and its clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Annotated[NonBlank, StringConstraints(max_length=200)]
    benefit: NonBlank
    conditions: list[Condition] = Field(default_factory=list)
    any_of: list[Condition] = Field(default_factory=list)
    next_step: NonBlank
    document: Slug
    quote: Annotated[NonBlank, StringConstraints(max_length=1000)]
    # None: not stated (rules written before the field); []: grants the company nothing.
    grants: list[Grant] | None = None
    # Kinds of events (events.models.EventKind) whose sign-up is a next step to this benefit.
    event_kinds: list[EventKindName] = Field(default_factory=list, max_length=3)

    @field_validator("title", "benefit", "next_step", "quote")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # PostgreSQL's JSON cannot store U+0000; no policy text contains it.
        if "\x00" in value:
            raise ValueError("must not contain the NUL character")
        return value

    @model_validator(mode="after")
    def _has_a_condition(self) -> Rule:
        if not self.conditions and not self.any_of:
            raise ValueError("a rule needs at least one entry in conditions or any_of")
        return self

    @property
    def is_benefit(self) -> bool:
        """Whether the clause gives the company something (see ``Grant``)."""
        return self.grants is None or bool(self.grants)

    def to_data(self) -> dict[str, Any]:
        """The rule as plain data, the shape of rules.yaml (for storage and the API)."""
        data = self.model_dump(exclude={"conditions", "any_of"})
        data["conditions"] = [c.to_data() for c in self.conditions]
        data["any_of"] = [c.to_data() for c in self.any_of]
        return data


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]
