"""Figures for officers, as JSON and as CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import CurrentOfficer, RuntimeDep, SessionDep
from api.figures import figures_csv, gather_figures
from api.schemas import ERRORS
from core.clock_display import office_zone

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


class CampaignResultOut(BaseModel):
    campaign_id: int
    title: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    targeted: int
    sent: int
    blocked: int
    failed: int
    unknown: int
    out_of_window: int = Field(description="WeChat followers silent for 48 hours: not sent")
    by_channel: dict[str, dict[str, int]] = Field(description="Deliveries by channel and outcome")
    delivery_rate: float = Field(description="Share of the targeted subscribers reached, 0-1")
    duration: float = Field(description="Seconds from the start to the end (or to now)")


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
    campaigns: list[CampaignResultOut] = Field(
        description="Campaigns that sent in the period, newest first"
    )
    messages: dict[str, dict[str, int]] = Field(
        description="Officers' answers and event notices written in the period, by channel "
        "(telegram, web, wechat) and outcome (sent, pending, blocked, no_window, failed, …)"
    )


@router.get("", response_model=StatsOut)
async def stats(
    session: SessionDep, runtime: RuntimeDep, _: CurrentOfficer, days: Days = 30
) -> StatsOut:
    """Days are the office's (``POLICYDESK_TIMEZONE``)."""
    f = await gather_figures(session, days, office_zone(runtime.settings.timezone))
    s = f.questions
    return StatsOut(
        asked=s.asked,
        answered=s.answered,
        answered_share=s.answered_share,
        open_questions=s.open_questions,
        days=[DayOut(day=d.day, asked=d.asked, answered=d.answered) for d in s.days],
        top_topics=[CountOut(label=k, count=v) for k, v in s.top_topics],
        top_not_found=[CountOut(label=k, count=v) for k, v in s.top_not_found],
        feedback=s.feedback,
        registrations=[EventOut(**vars(e)) for e in f.registrations],
        campaigns=[
            CampaignResultOut(
                campaign_id=r.campaign.id,
                title=r.campaign.title,
                status=r.campaign.status,
                started_at=r.campaign.started_at,
                finished_at=r.campaign.finished_at,
                targeted=r.stats.targeted,
                sent=r.stats.sent,
                blocked=r.stats.blocked,
                failed=r.stats.failed,
                unknown=r.stats.unknown,
                out_of_window=r.stats.out_of_window,
                by_channel=r.stats.by_channel,
                delivery_rate=r.delivery_rate,
                duration=r.stats.duration,
            )
            for r in f.campaigns
        ],
        messages=f.messages,
    )


@router.get(
    "/questions.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def stats_csv(
    session: SessionDep, runtime: RuntimeDep, _: CurrentOfficer, days: Days = 30
) -> Response:
    """One row per figure: per-day counts, top topics, top not-found questions, feedback,
    registrations per event and campaign results (their own columns after the fourth)."""
    zone = office_zone(runtime.settings.timezone)
    body = figures_csv(await gather_figures(session, days, zone))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="policydesk-questions.csv"'},
    )
