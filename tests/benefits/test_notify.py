"""Rule changes reach the subscribed companies they now fit, once per company per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from benefits.admin import put_one
from benefits.models import BenefitNotification
from benefits.notify import china_day, notify_rule_changes
from benefits.profiles import profile_of, save_answers
from benefits.schema import CompanyProfile, Rule
from campaigns.subscribers import unsubscribe
from policydesk.runtime import Runtime
from tests.benefits.helpers import add_subscriber, recording_notifier

NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in China


def new_rule(template: Rule, rule_id: str, **changes: object) -> Rule:
    return Rule.model_validate({**template.to_data(), "id": rule_id, **changes})


async def answer(rt: Runtime, chat_id: int, **facts: object) -> None:
    async with rt.sessions() as session:
        await save_answers(session, chat_id, CompanyProfile.model_validate(facts))
        await session.commit()


async def test_new_rule_is_told_once_a_day_to_those_it_fits(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    certified, other, opted_out = 1001, 1002, 1003
    for chat_id in (certified, other, opted_out):
        await add_subscriber(rt, chat_id)
    await answer(rt, certified, gbt29490_certified=True)
    await answer(rt, other, gbt29490_certified=False)
    await answer(rt, opted_out, gbt29490_certified=True)
    async with rt.sessions() as session:
        await unsubscribe(session, opted_out)
        await session.commit()
    notifier, sender = recording_notifier()
    template = rules_by_id["reward-gbt29490-certification"]

    first = await put_one(rt.sessions, new_rule(template, "reward-gbt-a", title="贯标<奖励>A"), "o")
    report = await notify_rule_changes(rt.sessions, notifier, first, now=NOON)
    assert report.sent == [certified]
    assert [address for address, _ in sender.sent] == [str(certified)]
    assert "贯标&lt;奖励&gt;A" in sender.sent[0][1]  # titles are escaped for Telegram HTML

    second = await put_one(rt.sessions, new_rule(template, "reward-gbt-b", title="B"), "o")
    report = await notify_rule_changes(rt.sessions, notifier, second, now=NOON + timedelta(hours=9))
    assert report.skipped_today == [certified] and len(sender.sent) == 1

    next_day = NOON + timedelta(days=1)
    report = await notify_rule_changes(rt.sessions, notifier, second, now=next_day)
    assert report.sent == [certified] and len(sender.sent) == 2
    async with rt.sessions() as session:
        days = list(await session.scalars(select(BenefitNotification.day)))
    assert sorted(days) == [china_day(NOON), china_day(next_day)]


async def test_a_reworded_rule_that_already_fitted_tells_nobody(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 2001)
    await answer(rt, 2001, gbt29490_certified=True)
    notifier, sender = recording_notifier()
    rule = rules_by_id["reward-gbt29490-certification"]
    changes = await put_one(rt.sessions, new_rule(rule, rule.id, title="贯标认证奖励(修订)"), "o")
    assert changes and changes[0].before is not None
    report = await notify_rule_changes(rt.sessions, notifier, changes, now=NOON)
    assert report.sent == [] and sender.sent == []


async def test_profile_from_the_subscriber_record_is_used(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 3001, above_designated_size=True, has_patents=False, county="温县")
    await answer(rt, 3001, patent_applications=0)
    async with rt.sessions() as session:
        profile = await profile_of(session, 3001)
    assert profile.known() == {
        "above_designated_size": True,
        "granted_patents": 0,
        "invention_patents": 0,
        "patent_applications": 0,
        "county": "温县",
    }
    notifier, _ = recording_notifier()
    zero = rules_by_id["fund-zero-patent-elimination"]
    changes = await put_one(rt.sessions, new_rule(zero, "zero-county", title="温县消零"), "o")
    assert (await notify_rule_changes(rt.sessions, notifier, changes, now=NOON)).sent == [3001]


async def test_a_send_that_never_left_frees_the_day(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 4001)
    await answer(rt, 4001, gbt29490_certified=True)
    template = rules_by_id["reward-gbt29490-certification"]
    changes = await put_one(rt.sessions, new_rule(template, "reward-x", title="X"), "o")
    from core.notify import Notifier

    report = await notify_rule_changes(rt.sessions, Notifier(), changes, now=NOON)
    assert report.failed == [4001]
    async with rt.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(BenefitNotification))
    assert count == 0
    notifier, _ = recording_notifier()
    assert (await notify_rule_changes(rt.sessions, notifier, changes, now=NOON)).sent == [4001]
