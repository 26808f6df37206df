"""Benefit matching: ``POST /api/v1/benefits/match`` and the facts a profile may hold.

The web chat asks the questions of ``GET /api/v1/benefits/facts`` and posts the answers
as the profile; facts left out are unknown and make a benefit *potential*, never eligible.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SessionDep
from benefits.reasons import fact_text, value_text
from benefits.schema import DEMONSTRATION_LEVELS, FACT_KINDS, FACT_NAMES, CompanyProfile
from benefits.service import match_profile

router = APIRouter(prefix="/api/v1/benefits", tags=["benefits"])


class MatchRequest(BaseModel):
    profile: CompanyProfile
    locale: Literal["zh", "en"] = "zh"


class BenefitOut(BaseModel):
    id: str
    title: str
    benefit: str
    status: Literal["eligible", "potential"]
    reason: str = Field(description="Which facts made it apply, or what is unknown or missing")
    document: str = Field(description="Title of the policy document")
    section: str = Field(description="Heading path of the clause in the document")
    quote: str = Field(description="The clause, verbatim")
    next_step: str | None = Field(description="For potential benefits: how to get there")
    met: list[str]
    unknown: list[str]
    missing: list[str]


class MatchOut(BaseModel):
    eligible: list[BenefitOut]
    potential: list[BenefitOut]


class ChoiceOut(BaseModel):
    value: bool | str | None = Field(description="What to send in the profile")
    label: str


class FactOut(BaseModel):
    name: str
    kind: Literal["bool", "count", "level", "text"]
    label: str
    question: str
    unit: str | None = Field(None, description="For counts: what is counted, e.g. 件")
    values: list[str] | None = None
    choices: list[ChoiceOut] | None = Field(
        None, description="For yes/no and level facts: the answers a form offers, labelled"
    )


def _choices(name: str, kind: str, locale: Literal["zh", "en"]) -> list[ChoiceOut] | None:
    options: list[bool | str | None]
    if kind == "bool":
        options = [True, False]
    elif kind == "level":
        options = [*DEMONSTRATION_LEVELS, None]  # null: not a demonstration unit
    else:
        return None
    return [ChoiceOut(value=v, label=value_text(name, v, locale)) for v in options]


@router.post("/match", response_model=MatchOut)
async def match(body: MatchRequest, session: SessionDep) -> MatchOut:
    result = await match_profile(session, body.profile, body.locale)
    return MatchOut.model_validate(result.to_json())


@router.get("/facts", response_model=list[FactOut])
async def facts(locale: Literal["zh", "en"] = Query("zh")) -> list[FactOut]:
    out = []
    for name in FACT_NAMES:
        text = fact_text(name, locale)
        kind = FACT_KINDS[name]
        values = list(DEMONSTRATION_LEVELS) if kind == "level" else None
        out.append(
            FactOut(
                name=name,
                kind=kind,
                label=text["label"],
                question=text["question"],
                unit=text.get("unit"),
                values=values,
                choices=_choices(name, kind, locale),
            )
        )
    return out
