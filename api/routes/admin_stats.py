"""Figures for officers, as JSON and as CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import CurrentOfficer, SessionDep
from api.schemas import ERRORS
from core.csv_safe import to_csv
from events.stats import registrations_per_event
from knowledge.stats import CSV_HEADER, csv_rows, question_stats

router = APIRouter(prefix="/api/v1/admin/stats", tags=["admin: stats"], responses=ERRORS)
Days = Annotated[int, Query(ge=1, le=366, description="How many days back")]


class DayOut(BaseModel):
    day: str
    asked: int
    answered: int


class CountOut(BaseModel):
    label: str
    count: int


class EventOut(BaseModel):
    event_id: int
    title: str
    starts_at: str
    capacity: int
    confirmed: int
    waitlisted: int
    cancelled: int
    attended: int


class StatsOut(BaseModel):
    asked: int
    answered: int
    answered_share: float
    open_questions: int
    days: list[DayOut]
    top_topics: list[CountOut]
    top_not_found: list[CountOut]
    feedback: dict[str, int]
    registrations: list[EventOut]


@router.get("", response_model=StatsOut)
async def stats(session: SessionDep, _: CurrentOfficer, days: Days = 30) -> StatsOut:
    s = await question_stats(session, days)
    return StatsOut(
        asked=s.asked,
        answered=s.answered,
        answered_share=s.answered_share,
        open_questions=s.open_questions,
        days=[DayOut(day=d.day, asked=d.asked, answered=d.answered) for d in s.days],
        top_topics=[CountOut(label=k, count=v) for k, v in s.top_topics],
        top_not_found=[CountOut(label=k, count=v) for k, v in s.top_not_found],
        feedback=s.feedback,
        registrations=[EventOut(**vars(e)) for e in await registrations_per_event(session)],
    )


@router.get(
    "/questions.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def stats_csv(session: SessionDep, _: CurrentOfficer, days: Days = 30) -> Response:
    """One row per figure: per-day counts, top topics, top not-found questions, feedback."""
    s = await question_stats(session, days)
    rows = csv_rows(s) + [
        ["event", f"{e.title} ({e.starts_at[:10]})", e.confirmed + e.attended, e.waitlisted]
        for e in await registrations_per_event(session)
    ]
    body = to_csv(CSV_HEADER, rows)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="policydesk-questions.csv"'},
    )
