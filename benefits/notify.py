"""Telling subscribed companies that a new or changed rule now fits them.

A company is told when a rule that was added or changed is *eligible* for its profile and
was not before the change (a reworded clause does not message anyone twice). Only opted-in,
unblocked subscribers are considered, and each chat gets at most one such message per day
(China Standard Time): the day's row in ``benefit_notifications`` is claimed before
sending, under a unique constraint, so that concurrent workers cannot both send. A send
that fails with an unknown outcome keeps the claim (status ``unknown``): no second message.

Delivery goes through the outgoing-message port (``core.notify.Notifier``, channel
``telegram``); when the campaigns delivery service lands, this is where it plugs in.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benefits.matcher import Facts, Status, assess
from benefits.models import BenefitNotification
from benefits.profiles import profile_of
from benefits.reasons import Locale, catalog
from benefits.schema import Rule
from benefits.store import RuleChange
from campaigns.subscribers import Subscriber
from core.db import utcnow
from core.notify import Notifier

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8), "CST")  # China has one zone and no daylight saving
CHANNEL = "telegram"


@dataclass
class NotifyReport:
    sent: list[int] = field(default_factory=list)
    skipped_today: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def china_day(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(CHINA).date()


def newly_eligible(changes: Sequence[RuleChange], facts: Facts) -> list[Rule]:
    """Rules added or changed that fit ``facts`` now and did not fit before."""
    out = []
    for change in changes:
        if change.after is None or assess(change.after, facts).status is not Status.ELIGIBLE:
            continue
        if change.before and assess(change.before, facts).status is Status.ELIGIBLE:
            continue
        out.append(change.after)
    return out


async def targets(
    session: AsyncSession, changes: Sequence[RuleChange]
) -> list[tuple[Subscriber, list[Rule]]]:
    """Opted-in, unblocked subscribers with the rules that now newly fit them."""
    if not any(c.after for c in changes):
        return []
    subscribers = list(
        await session.scalars(
            select(Subscriber)
            .where(Subscriber.subscribed.is_(True), Subscriber.blocked.is_(False))
            .order_by(Subscriber.id)
        )
    )
    out = []
    # One profile at a time (a few queries each): fine for a city office's subscribers,
    # and it runs in the background, not in the officer's request.
    for subscriber in subscribers:
        facts = (await profile_of(session, subscriber.chat_id)).known()
        rules = newly_eligible(changes, facts)
        if rules:
            out.append((subscriber, rules))
    return out


def render(rules: Sequence[Rule], locale: Locale) -> str:
    """The message, in Telegram HTML (rule titles are escaped)."""
    phrases = catalog()["phrases"][locale]
    lines = [html.escape(phrases["notify_header"])]
    lines += [f"• <b>{html.escape(rule.title)}</b>" for rule in rules]
    lines.append(html.escape(phrases["notify_footer"]))
    return "\n".join(lines)


async def _claim(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, day: date, slugs: list[str]
) -> int | None:
    async with sessions() as session:
        row = BenefitNotification(chat_id=chat_id, day=day, rules=slugs, status="claimed")
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return None
        return row.id


async def _settle(sessions: async_sessionmaker[AsyncSession], claim: int, status: str) -> None:
    async with sessions() as session:
        if status == "not_sent":  # nothing left the building: free the day's slot again
            await session.execute(
                delete(BenefitNotification).where(BenefitNotification.id == claim)
            )
        else:
            await session.execute(
                update(BenefitNotification)
                .where(BenefitNotification.id == claim)
                .values(status=status)
            )
        await session.commit()


async def notify_rule_changes(
    sessions: async_sessionmaker[AsyncSession],
    notifier: Notifier,
    changes: Sequence[RuleChange],
    *,
    now: datetime | None = None,
) -> NotifyReport:
    """Message every subscribed company a changed rule now fits, at most once a day."""
    report = NotifyReport()
    async with sessions() as session:
        todo = await targets(session, changes)
    day = china_day(now)
    for subscriber, rules in todo:
        chat_id = subscriber.chat_id
        claim = await _claim(sessions, chat_id, day, [r.id for r in rules])
        if claim is None:
            report.skipped_today.append(chat_id)
            continue
        locale: Locale = "en" if subscriber.locale == "en" else "zh"
        text = render(rules, locale)
        try:
            status = "sent" if await notifier.send(CHANNEL, str(chat_id), text) else "not_sent"
        except Exception:
            # The outcome is unknown (Telegram may have delivered it): keep the day's slot
            # rather than risk a second message; one failing chat must not stop the others.
            log.exception("benefit notification to %s failed", chat_id)
            status = "unknown"
        await _settle(sessions, claim, status)
        (report.sent if status == "sent" else report.failed).append(chat_id)
    return report
