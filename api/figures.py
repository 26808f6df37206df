"""All the officers' figures for a period: questions, registrations per event and campaign
results. The stats API and the admin UI's figures page share them and their CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.outbox import service_message_counts
from campaigns.service import CampaignResult, campaign_results
from core.csv_safe import to_csv
from core.db import utcnow
from events.notices import local_time
from events.stats import EventFigures, registrations_per_event
from knowledge.stats import CSV_HEADER, OFFICE_TZ, QuestionStats, csv_rows, question_stats

# Campaign rows fill these columns after the four shared ones (their count is the sent).
CAMPAIGN_COLUMNS = [
    "status",
    "started_at",
    "finished_at",
    "targeted",
    "blocked",
    "failed",
    "unknown",
    "delivery_rate",
    "duration_s",
]
FIGURES_CSV_HEADER = CSV_HEADER + CAMPAIGN_COLUMNS


@dataclass
class Figures:
    days: int
    questions: QuestionStats
    registrations: list[EventFigures]
    campaigns: list[CampaignResult]
    # Answers and notices sent through the outbox, by channel and outcome.
    messages: dict[str, dict[str, int]]


async def gather_figures(
    session: AsyncSession, days: int = 30, zone: tzinfo = OFFICE_TZ
) -> Figures:
    """The last ``days`` days' figures; questions are counted per day of ``zone``."""
    now = utcnow()
    return Figures(
        days=days,
        questions=await question_stats(session, days, zone),
        registrations=await registrations_per_event(session),
        campaigns=await campaign_results(session, now - timedelta(days=days), now),
        messages=await service_message_counts(session, now - timedelta(days=days)),
    )


def figures_csv(figures: Figures) -> str:
    """One row per figure; every text cell is neutralised against formula injection."""
    rows = csv_rows(figures.questions)
    rows += [
        ["event", f"{e.title} ({e.starts_at[:10]})", e.confirmed + e.attended, e.waitlisted]
        for e in figures.registrations
    ]
    for result in figures.campaigns:
        c, s = result.campaign, result.stats
        rows.append(
            [
                "campaign",
                c.title,
                s.sent,
                "",
                c.status,
                local_time(c.started_at) if c.started_at else "",
                local_time(c.finished_at) if c.finished_at else "",
                s.targeted,
                s.blocked,
                s.failed,
                s.unknown,
                result.delivery_rate,
                s.duration,
            ]
        )
    return to_csv(FIGURES_CSV_HEADER, rows)
