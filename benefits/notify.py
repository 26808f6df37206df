"""Telling subscribed companies that a new or changed rule now fits them.

A company is told when a rule that was added or changed is *eligible* for its profile and
was not before the change (a reworded clause does not message anyone twice). Only opted-in,
unblocked subscribers are considered, and each chat gets at most one such message per day
(China Standard Time).

The messages go through the campaigns delivery machinery, in three durable steps:

1. The rule change adds a "benefit notice" campaign holding the change (``enqueue_notice``)
   in the same transaction as the change itself: committed together or not at all.
2. A worker starts the due campaign and, in that same transaction, makes its deliveries
   (``make_deliveries``): one per newly fitting company, each with the company's own list
   in its language. The day's row in ``benefit_notifications`` is inserted first, under a
   unique (chat, day) constraint, so that a second notice the same day skips the chat.
   A worker that dies meanwhile leaves the campaign due for the next one.
3. Workers send the deliveries like any campaign's: shared rate limits, 429 and 403
   handling, leases, and an interrupted send counted unknown, never sent again.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from benefits.inference import infer
from benefits.matcher import Facts, Status, assess
from benefits.models import BenefitNotification
from benefits.profiles import profiles_of
from benefits.reasons import Locale, catalog
from benefits.schema import Rule
from benefits.store import RuleChange, active_rules
from campaigns.kinds import register_deliveries
from campaigns.models import Campaign, CampaignKind, Delivery, DeliveryStatus
from campaigns.service import enqueue_system_campaign
from campaigns.subscribers import Subscriber
from campaigns.tg_html import MESSAGE_LIMIT
from core.db import utcnow
from core.outbox import TELEGRAM
from core.upsert import insert_for

CHINA = timezone(timedelta(hours=8), "CST")  # China has one zone and no daylight saving
BATCH = 1000  # subscribers assessed per round of queries
# Room left under Telegram's limit for the header, the footer and the "more" line.
LIST_BUDGET = MESSAGE_LIMIT - 500


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


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render(rules: Sequence[Rule], locale: Locale) -> str:
    """The message, in Telegram HTML (rule titles are escaped), within Telegram's limit."""
    phrases = catalog()["phrases"][locale]
    lines = [html.escape(phrases["notify_header"])]
    used = 0
    for index, rule in enumerate(rules):
        used += _utf16_length(rule.title) + 3
        if used > LIST_BUDGET:
            more = phrases["notify_more"].format(count=len(rules) - index)
            lines.append(html.escape(more))
            break
        lines.append(f"• <b>{html.escape(rule.title)}</b>")
    lines.append(html.escape(phrases["notify_footer"]))
    return "\n".join(lines)


def _rule_data(rule: Rule | None) -> dict[str, Any] | None:
    return rule.to_data() if rule is not None else None


def _rule_of(data: dict[str, Any] | None) -> Rule | None:
    return Rule.model_validate(data) if data is not None else None


async def enqueue_notice(
    session: AsyncSession, changes: Sequence[RuleChange], now: datetime | None = None
) -> Campaign | None:
    """Add the benefit notice for ``changes`` in the caller's transaction (None when no
    rule was added or changed). Its deliveries are made when a worker starts it."""
    announced = [c.after for c in changes if c.after is not None]
    if not announced:
        return None
    phrases = catalog()["phrases"]["zh"]
    titles = phrases["list_sep"].join(rule.title for rule in announced)
    payload = {
        "changes": [
            {"before": _rule_data(c.before), "after": _rule_data(c.after)}
            for c in changes
            if c.after is not None
        ]
    }
    return await enqueue_system_campaign(
        session,
        CampaignKind.BENEFIT_NOTICE,
        phrases["notice_title"].format(titles=titles),
        render(announced, "zh"),
        payload,
        now,
    )


async def _still_current(session: AsyncSession, payload: dict[str, Any]) -> list[RuleChange]:
    """The notice's changes as the rules stand now: a rule removed since is not announced,
    one changed since is announced in its current wording."""
    current = {rule.id: rule for rule in await active_rules(session)}
    out = []
    for item in payload.get("changes", []):
        after = _rule_of(item.get("after"))
        if after is not None and after.id in current:
            out.append(RuleChange(_rule_of(item.get("before")), current[after.id]))
    return out


async def make_deliveries(session: AsyncSession, campaign: Campaign, now: datetime) -> int:
    """One pending delivery, with its own text, per opted-in, unblocked subscriber a change
    of this notice newly fits and who was not told today; the number made.

    Runs in the transaction that starts the campaign. Subscribers are taken in id order,
    so that two notices prepared at once claim the day's rows in the same order.
    """
    changes = await _still_current(session, campaign.payload or {})
    if not changes:
        return 0
    day, made, after_id = china_day(now), 0, 0
    while True:
        subscribers = list(
            await session.scalars(
                select(Subscriber)
                .where(
                    # Profiles are known from Telegram chats (their sign-ups, their answers).
                    Subscriber.channel == TELEGRAM,
                    Subscriber.subscribed.is_(True),
                    Subscriber.blocked.is_(False),
                    Subscriber.id > after_id,
                )
                .order_by(Subscriber.id)
                .limit(BATCH)
            )
        )
        if not subscribers:
            return made
        after_id = subscribers[-1].id
        profiles = await profiles_of(session, subscribers)
        todo = []
        for subscriber in subscribers:
            rules = newly_eligible(changes, infer(profiles[subscriber.chat_id].known()))
            if rules:
                todo.append((subscriber, rules))
        if todo:
            made += await _claim_and_add(session, campaign, day, todo)


async def _claim_and_add(
    session: AsyncSession,
    campaign: Campaign,
    day: date,
    todo: list[tuple[Subscriber, list[Rule]]],
) -> int:
    claims = (
        insert_for(session, BenefitNotification)
        .values(
            [
                {
                    "chat_id": subscriber.chat_id,
                    "day": day,
                    "rules": [rule.id for rule in rules],
                    "campaign_id": campaign.id,
                    "created_at": utcnow(),
                }
                for subscriber, rules in todo
            ]
        )
        .on_conflict_do_nothing(index_elements=["chat_id", "day"])
        .returning(BenefitNotification.chat_id)
    )
    claimed = set((await session.execute(claims)).scalars())
    rows = [
        {
            "campaign_id": campaign.id,
            "subscriber_id": subscriber.id,
            "chat_id": subscriber.chat_id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "text": render(rules, "en" if subscriber.locale == "en" else "zh"),
        }
        for subscriber, rules in todo
        if subscriber.chat_id in claimed
    ]
    if rows:
        await session.execute(insert(Delivery), rows)
    return len(rows)


def register() -> None:
    """Benefit notices make their own deliveries (campaigns.kinds)."""
    register_deliveries(CampaignKind.BENEFIT_NOTICE, make_deliveries)
