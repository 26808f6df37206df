"""Rule changes become benefit notices: a system campaign whose deliveries go to exactly
the subscribed companies a change newly fits, at most one per company per China day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from benefits.admin import delete_one, put_one, replace_all
from benefits.models import BenefitNotification
from benefits.notify import china_day, render
from benefits.profiles import profile_of, save_answers
from benefits.schema import CompanyProfile, Rule
from benefits.store import active_rules
from campaigns import service, store
from campaigns.models import Campaign, Delivery
from campaigns.subscribers import unsubscribe
from campaigns.tg_html import MESSAGE_LIMIT, plain_text
from core.db import write_transaction
from policydesk.runtime import Runtime
from tests.benefits.helpers import add_subscriber

NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in China


def new_rule(template: Rule, rule_id: str, **changes: object) -> Rule:
    return Rule.model_validate({**template.to_data(), "id": rule_id, **changes})


async def answer(rt: Runtime, chat_id: int, **facts: object) -> None:
    async with rt.sessions() as session:
        await save_answers(session, chat_id, CompanyProfile.model_validate(facts))
        await session.commit()


async def notices(rt: Runtime) -> list[Campaign]:
    async with rt.sessions() as session:
        query = select(Campaign).where(Campaign.kind == "benefit_notice").order_by(Campaign.id)
        return list(await session.scalars(query))


async def prepare(rt: Runtime, campaign_id: int, now: datetime = NOON) -> None:
    """What a worker's housekeeping does with a due notice: start it, making its deliveries."""
    async with write_transaction(rt.sessions) as session:
        await service.start_campaign(session, campaign_id, now)


async def texts(rt: Runtime) -> dict[int, list[str]]:
    """Every delivery's text by chat."""
    async with rt.sessions() as session:
        rows = await session.execute(select(Delivery.chat_id, Delivery.text))
    out: dict[int, list[str]] = {}
    for chat_id, text in rows.all():
        out.setdefault(chat_id, []).append(text)
    return out


async def test_a_change_enqueues_deliveries_for_exactly_the_newly_eligible(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    certified, english, other, opted_out, blocked = 1001, 1002, 1003, 1004, 1005
    for chat_id in (certified, other, opted_out):
        await add_subscriber(rt, chat_id)
    await add_subscriber(rt, english, locale="en")
    await add_subscriber(rt, blocked, blocked=True)
    for chat_id in (certified, english, opted_out, blocked):
        await answer(rt, chat_id, gbt29490_certified=True)
    await answer(rt, other, gbt29490_certified=False)
    async with rt.sessions() as session:
        await unsubscribe(session, opted_out)
        await session.commit()
    template = rules_by_id["reward-gbt29490-certification"]
    rule = new_rule(template, "reward-gbt-a", title="贯标<奖励>A & B")

    changes = await put_one(rt.sessions, rule, "officer", now=NOON)
    assert [c.after for c in changes] == [rule]
    (notice,) = await notices(rt)
    # Committed with the rule, due at once, its deliveries not made yet.
    assert (notice.status, notice.scheduled_at, notice.created_by) == ("scheduled", NOON, "system")
    assert await texts(rt) == {}

    await prepare(rt, notice.id)
    made = await texts(rt)
    assert set(made) == {certified, english}
    (zh_text,) = made[certified]
    (en_text,) = made[english]
    assert "贯标&lt;奖励&gt;A &amp; B" in zh_text  # titles are escaped for Telegram HTML
    assert zh_text == render([rule], "zh")
    assert en_text == render([rule], "en") and en_text.startswith("New or updated support")
    plain_text(zh_text, limit=MESSAGE_LIMIT, field_name="text")  # Telegram would parse it
    async with rt.sessions() as session:
        campaign = await service.get_campaign(session, notice.id)
        claims = list(await session.scalars(select(BenefitNotification)))
    assert (campaign.status, campaign.targeted) == ("sending", 2)
    assert sorted((c.chat_id, c.day, c.rules, c.campaign_id) for c in claims) == [
        (chat_id, china_day(NOON), ["reward-gbt-a"], notice.id) for chat_id in (certified, english)
    ]


async def test_a_company_hears_of_all_its_new_rules_in_one_message(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    both, certified_only = 2001, 2002
    await add_subscriber(rt, both, above_designated_size=True)
    await add_subscriber(rt, certified_only, above_designated_size=False)
    await answer(rt, both, gbt29490_certified=True, patent_applications=0)
    await answer(rt, certified_only, gbt29490_certified=True, patent_applications=0)
    async with rt.sessions() as session:
        current = await active_rules(session)
    gbt = new_rule(rules_by_id["reward-gbt29490-certification"], "gbt-new", title="贯标新规")
    zero = new_rule(rules_by_id["fund-zero-patent-elimination"], "zero-new", title="消零新规")
    await replace_all(rt.sessions, [*current, gbt, zero], "officer", now=NOON)
    (notice,) = await notices(rt)
    await prepare(rt, notice.id)
    made = await texts(rt)
    assert made == {both: [render([gbt, zero], "zh")], certified_only: [render([gbt], "zh")]}


async def test_one_message_per_company_per_day_also_for_concurrent_changes(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    chats = [3001, 3002, 3003]
    for chat_id in chats:
        await add_subscriber(rt, chat_id)
        await answer(rt, chat_id, gbt29490_certified=True)
    template = rules_by_id["reward-gbt29490-certification"]
    first, second = (new_rule(template, f"gbt-{n}", title=f"贯标{n}") for n in ("a", "b"))
    await asyncio.gather(
        put_one(rt.sessions, first, "officer a", now=NOON),
        put_one(rt.sessions, second, "officer b", now=NOON),
    )
    one, two = await notices(rt)
    # Both notices are prepared at the same moment (two workers, two transactions).
    await asyncio.gather(prepare(rt, one.id), prepare(rt, two.id))
    made = await texts(rt)
    assert sorted(made) == chats
    assert all(len(texts_of_chat) == 1 for texts_of_chat in made.values())
    async with rt.sessions() as session:
        claims = list(await session.scalars(select(BenefitNotification)))
        campaigns = [await service.get_campaign(session, c.id) for c in (one, two)]
    assert sorted(c.chat_id for c in claims) == chats
    assert sum(c.targeted for c in campaigns) == len(chats)

    # The next China day, the next change is told again.
    third = new_rule(template, "gbt-c", title="贯标c")
    next_day = NOON + timedelta(days=1)
    await put_one(rt.sessions, third, "officer", now=next_day)
    (*_, notice) = await notices(rt)
    await prepare(rt, notice.id, next_day)
    made = await texts(rt)
    assert all(len(made[chat_id]) == 2 for chat_id in chats)
    assert all(render([third], "zh") in made[chat_id] for chat_id in chats)
    # Later the same day (China time: 20:00 on the 26th is still the 26th): nobody.
    await put_one(rt.sessions, new_rule(template, "gbt-d", title="d"), "o", now=next_day)
    (*_, late) = await notices(rt)
    await prepare(rt, late.id, next_day + timedelta(hours=8))
    async with rt.sessions() as session:
        late = await service.get_campaign(session, late.id)
    assert late.targeted == 0


async def test_a_reworded_rule_that_already_fitted_tells_nobody(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 4001)
    await answer(rt, 4001, gbt29490_certified=True)
    rule = rules_by_id["reward-gbt29490-certification"]
    changes = await put_one(
        rt.sessions, new_rule(rule, rule.id, title="贯标认证奖励(修订)"), "o", now=NOON
    )
    assert changes and changes[0].before is not None
    (notice,) = await notices(rt)
    await prepare(rt, notice.id, NOON + timedelta(days=3))
    assert await texts(rt) == {}
    async with write_transaction(rt.sessions) as session:
        assert await store.finish_done(session, NOON + timedelta(days=3)) == [notice.id]


async def test_a_rule_removed_before_its_notice_is_not_announced(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 5001)
    await answer(rt, 5001, gbt29490_certified=True)
    template = rules_by_id["reward-gbt29490-certification"]
    await put_one(rt.sessions, new_rule(template, "short-lived", title="短命"), "o", now=NOON)
    assert [c.after for c in await delete_one(rt.sessions, "short-lived", "o")] == [None]
    notices_made = await notices(rt)
    assert len(notices_made) == 1  # a removal tells nobody
    await prepare(rt, notices_made[0].id)
    assert await texts(rt) == {}


async def test_profile_from_the_subscriber_record_is_used(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    await add_subscriber(rt, 6001, above_designated_size=True, has_patents=False, county="温县")
    await answer(rt, 6001, patent_applications=0)
    async with rt.sessions() as session:
        profile = await profile_of(session, 6001)
    assert profile.known() == {
        "above_designated_size": True,
        "granted_patents": 0,
        "invention_patents": 0,
        "patent_applications": 0,
        "county": "温县",
    }
    zero = rules_by_id["fund-zero-patent-elimination"]
    await put_one(rt.sessions, new_rule(zero, "zero-county", title="温县消零"), "o", now=NOON)
    (notice,) = await notices(rt)
    await prepare(rt, notice.id)
    assert list(await texts(rt)) == [6001]


def test_a_long_list_stays_within_telegrams_limit(rules_by_id: dict[str, Rule]) -> None:
    template = rules_by_id["reward-gbt29490-certification"]
    many = [new_rule(template, f"r-{i}", title="很长的标题" * 40) for i in range(30)]
    text = render(many, "zh")
    plain_text(text, limit=MESSAGE_LIMIT, field_name="text")
    assert "另有" in text and text.count("<b>") < 30
