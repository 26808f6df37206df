"""Figures for officers: questions per day, answered share, topics, not-found questions,
feedback. Days are counted in the office's time zone (``POLICYDESK_TIMEZONE``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from knowledge.feedback import AnswerFeedback
from knowledge.models import AnswerLog, OpenQuestion

# The office's zone when the caller names none.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")
TOP = 10


@dataclass
class DayCount:
    day: str
    asked: int = 0
    answered: int = 0


@dataclass
class QuestionStats:
    days: list[DayCount] = field(default_factory=list)
    asked: int = 0
    answered: int = 0
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    top_not_found: list[tuple[str, int]] = field(default_factory=list)
    open_questions: int = 0
    feedback: dict[str, int] = field(default_factory=dict)

    @property
    def answered_share(self) -> float:
        return round(self.answered / self.asked, 4) if self.asked else 0.0


def topic_of(sources: list[dict[str, object]]) -> str | None:
    """The document and top-level section of an answer's best source."""
    if not sources:
        return None
    top = sources[0]
    document = str(top.get("document") or "")
    section = str(top.get("section") or "").split(" › ")[0]
    label = " › ".join(part for part in (document, section) if part)
    return label or None


async def question_stats(
    session: AsyncSession, days: int = 30, zone: tzinfo = OFFICE_TZ
) -> QuestionStats:
    """The last ``days`` days' figures, with each question counted on ``zone``'s date."""
    since = utcnow() - timedelta(days=days)
    rows = await session.execute(
        select(AnswerLog.created_at, AnswerLog.answered, AnswerLog.sources, AnswerLog.question)
        .where(AnswerLog.created_at >= since)
        .order_by(AnswerLog.created_at)
    )
    stats = QuestionStats()
    per_day: dict[str, DayCount] = {}
    topics: Counter[str] = Counter()
    not_found: Counter[str] = Counter()
    for created_at, answered, sources, question in rows.all():
        day = _local_day(created_at, zone)
        bucket = per_day.setdefault(day, DayCount(day))
        bucket.asked += 1
        stats.asked += 1
        if answered:
            bucket.answered += 1
            stats.answered += 1
            topic = topic_of(sources or [])
            if topic:
                topics[topic] += 1
        else:
            not_found[question] += 1
    stats.days = list(per_day.values())
    stats.top_topics = topics.most_common(TOP)
    stats.top_not_found = not_found.most_common(TOP)
    stats.open_questions = int(
        await session.scalar(
            select(func.count()).select_from(OpenQuestion).where(OpenQuestion.status == "open")
        )
        or 0
    )
    votes = await session.execute(
        select(AnswerFeedback.vote, func.count())
        .where(AnswerFeedback.created_at >= since)
        .group_by(AnswerFeedback.vote)
    )
    counts = {int(vote): int(n) for vote, n in votes.all()}
    stats.feedback = {"helpful": counts.get(1, 0), "not_helpful": counts.get(-1, 0)}
    return stats


def _local_day(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).date().isoformat()


# The fourth column: answered questions (days) or waitlisted companies (events).
CSV_HEADER = ["kind", "label", "count", "answered / waitlisted"]


def csv_rows(stats: QuestionStats) -> list[list[object]]:
    """The figures as rows of (kind, label, count, answered) for a CSV export."""
    rows: list[list[object]] = [["day", d.day, d.asked, d.answered] for d in stats.days]
    rows += [["topic", label, count, ""] for label, count in stats.top_topics]
    rows += [["not_found", label, count, ""] for label, count in stats.top_not_found]
    rows += [["feedback", label, count, ""] for label, count in stats.feedback.items()]
    return rows
