"""Issue 17, item 4 — "targeting by county reaches nobody" — walked as the officer did,
through the dispatcher: the audience screen matches subscribers through the companies
they registered for events, event registrants are picked from a list, "all subscribers"
clears the conditions instead of skipping ahead, and a scheduled campaign shows how many
it targets. Dates come from the test's clock (``utcnow()`` read once per test)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.callbacks import CampaignCb
from campaigns.models import Delivery
from campaigns.subscribers import subscribe
from core.db import utcnow
from events.notices import OFFICE_TZ
from events.registration import register
from events.schemas import CompanyIn, ContactIn, RegistrationIn
from events.service import create_event
from tests.bot.conftest import BotHarness
from tests.bot.test_campaigns_admin import TEXT, button, campaigns, say, tap, zh
from tests.bot.updates import OFFICER_ID, callback_update
from tests.campaigns.factories import CHAT_BASE, add_subscribers
from tests.events.factories import event_in, make_credit_code

XIUWU = CHAT_BASE + 1  # registered a company in 修武县 (with patents)
WUZHI = CHAT_BASE + 2  # registered a company in 武陟县 (no patents)
JIEFANG = CHAT_BASE + 3  # registered a company in 解放区


# A form is many quick updates: flood control out of the way (tests/bot/conftest.py).
FLOOD_LIMIT = 10_000


async def signed_up(harness: BotHarness, now: datetime) -> dict[str, int]:
    """Three subscribers who registered companies for a training (as a sign-up stores
    them: the subscriber records themselves know no county), two bystanders, and a draft
    event that is not offered. The events' ids by title."""
    sessions = harness.runtime.sessions
    training = event_in(now=now).model_copy(update={"title": "专利申请实务培训"})
    pledge = event_in(now=now, starts_in=timedelta(days=14)).model_copy(
        update={"title": "知识产权质押融资对接会"}
    )
    draft = event_in(now=now, status="draft").model_copy(update={"title": "内部草稿活动"})
    async with sessions() as session:
        events = [await create_event(session, data) for data in (training, pledge, draft)]
        await session.commit()
    counts = {"invention_patents": 1, "utility_model_patents": 0, "design_patents": 0}
    none = {"invention_patents": 0, "utility_model_patents": 0, "design_patents": 0}
    for n, (chat, county, patents) in enumerate(
        [(XIUWU, "修武县", counts), (WUZHI, "武陟县", none), (JIEFANG, "解放区", none)], start=1
    ):
        company = CompanyIn.model_validate(
            {
                "name": f"焦作推送对象{n}有限公司",
                "credit_code": make_credit_code(random.Random(500 + n)),
                "county": county,
                **patents,
            }
        )
        form = RegistrationIn(
            company=company, contact=ContactIn(name=f"联系人{n}", phone=f"137{n:08d}")
        )
        await register(sessions, events[0].id, form, chat_id=chat, channel="telegram", now=now)
        async with sessions() as session:
            await subscribe(session, chat)
            await session.commit()
    await add_subscribers(sessions, 2, start=50)  # subscribed, nothing known about them
    return {event.title: event.id for event in events}


def texts_of_buttons(method: SendMessage) -> list[str]:
    markup = method.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [b.text for row in markup.inline_keyboard for b in row]


async def tap_quietly(harness: BotHarness, data: str) -> None:
    await harness.feed(callback_update(data, user_id=OFFICER_ID))


async def to_audience(harness: BotHarness) -> SendMessage:
    """/campaign, a title, the text, no button: the audience screen."""
    await say(harness, "/campaign")
    await say(harness, "修武武陟企业专场")
    asked = await say(harness, TEXT)
    return await tap(harness, button(asked, "skip"))


async def test_a_county_audience_reaches_who_registered_a_company_there(
    harness: BotHarness,
) -> None:
    await signed_up(harness, utcnow())
    screen = await to_audience(harness)
    assert "覆盖订阅用户：5 人" in screen.text
    asked = await tap(harness, button(screen, "seg", "counties"))
    assert asked.text == zh("bot.campaigns.ask.counties")
    screen = await say(harness, "修武县、武陟县")
    # Before: "覆盖订阅用户：0 人" — subscriber records have no county.
    assert "县（市、区）：修武县、武陟县" in screen.text and "覆盖订阅用户：2 人" in screen.text
    asked = await tap(harness, button(screen, "done"))
    assert asked.text == zh("bot.campaigns.ask.schedule")
    summary = await tap(harness, button(asked, "now"))
    assert "覆盖人数：2" in summary.text
    await tap(harness, button(summary, "confirm"))

    [campaign] = await campaigns(harness)
    assert campaign.targeted == 2 and campaign.segment == {"counties": ["修武县", "武陟县"]}
    async with harness.runtime.sessions() as session:
        chats = set(
            await session.scalars(
                select(Delivery.chat_id).where(Delivery.campaign_id == campaign.id)
            )
        )
    assert chats == {XIUWU, WUZHI}


async def test_event_registrants_are_picked_from_a_list_of_events(harness: BotHarness) -> None:
    ids = await signed_up(harness, utcnow())
    screen = await to_audience(harness)
    offered = await tap(harness, button(screen, "seg", "event_id"))
    assert offered.text == zh("bot.campaigns.ask.event_id")
    labels = texts_of_buttons(offered)
    # Published events by title (the latest first), with the subscribers each reaches now.
    assert labels[0].startswith("《知识产权质押融资对接会》") and labels[0].endswith("· 0 人")
    assert labels[1].startswith("《专利申请实务培训》") and labels[1].endswith("· 3 人")
    assert not any("内部草稿活动" in label for label in labels)
    assert labels[-1] == zh("bot.campaigns.back_button")

    # Typing an event id is not how it works any more: the list comes again.
    again = await say(harness, str(ids["专利申请实务培训"]))
    assert again.text == zh("bot.campaigns.ask.event_id")
    # Back leaves the audience unchanged; then the training is picked.
    screen = await tap(harness, button(again, "back"))
    assert "当前：👥 全部订阅用户" in screen.text
    offered = await tap(harness, button(screen, "seg", "event_id"))
    training = button(offered, "val", str(ids["专利申请实务培训"]))
    # A button for an event that was not offered (forged, or from an old list) does nothing.
    harness.session.clear()
    await tap_quietly(
        harness, training.replace(f":{ids['专利申请实务培训']}:", f":{ids['内部草稿活动']}:")
    )
    assert harness.session.of(SendMessage) == []
    screen = await tap(harness, training)
    assert "🗓 活动报名者：《专利申请实务培训》" in screen.text
    assert "覆盖订阅用户：3 人" in screen.text
    summary = await tap(harness, button(await tap(harness, button(screen, "done")), "now"))
    assert "《专利申请实务培训》" in summary.text and "覆盖人数：3" in summary.text


async def test_all_subscribers_clears_the_conditions_and_stays_on_the_screen(
    harness: BotHarness,
) -> None:
    await signed_up(harness, utcnow())
    screen = await to_audience(harness)
    # The screen says conditions combine, and how to get everyone.
    assert "多个条件需同时满足" in screen.text and "下一步" in screen.text
    assert zh("bot.campaigns.done_button") in texts_of_buttons(screen)

    asked = await tap(harness, button(screen, "seg", "counties"))
    screen = await say(harness, "修武县、武陟县、解放区")
    assert "覆盖订阅用户：3 人" in screen.text
    asked = await tap(harness, button(screen, "seg", "has_patents"))
    screen = await tap(harness, button(asked, "val", "no"))
    # Combined: in one of the three counties, and no patents.
    assert "县（市、区）：修武县、武陟县、解放区；📜 专利：无专利" in screen.text
    assert "覆盖订阅用户：2 人" in screen.text
    marked = texts_of_buttons(screen)
    assert zh("bot.campaigns.seg_set", kind=zh("bot.campaigns.seg.counties")) in marked
    assert zh("bot.campaigns.seg.industries") in marked  # not set, not marked

    # Before: "全部订阅用户" jumped to the time step. Now it clears the conditions.
    screen = await tap(harness, button(screen, "seg", "all"))
    everyone = zh("bot.campaigns.seg.all")
    assert screen.text == zh("bot.campaigns.ask.segment", segment=everyone, count=5)
    assert zh("bot.campaigns.seg_set", kind=everyone) in texts_of_buttons(screen)
    asked = await tap(harness, button(screen, "done"))
    assert asked.text == zh("bot.campaigns.ask.schedule")
    summary = await tap(harness, button(asked, "now"))
    assert "对象：👥 全部订阅用户" in summary.text and "覆盖人数：5" in summary.text


async def test_a_scheduled_campaign_shows_its_target_count(harness: BotHarness) -> None:
    now = utcnow()
    await signed_up(harness, now)
    screen = await to_audience(harness)
    await tap(harness, button(screen, "seg", "counties"))
    screen = await say(harness, "修武县、武陟县")
    asked = await tap(harness, button(screen, "done"))
    when = (now + timedelta(days=30)).astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")
    summary = await say(harness, when)
    assert "覆盖人数：2" in summary.text and when in summary.text
    confirmed = await tap(harness, button(summary, "confirm"))
    [campaign] = await campaigns(harness)
    assert campaign.status == "scheduled"
    assert confirmed.text == zh(
        "bot.campaigns.scheduled", id=campaign.id, title="修武武陟企业专场", when=when, count=2
    )

    # Before: "目标 0 / 已送达 0/0" after the confirmation said 覆盖人数 3.
    listing = await say(harness, "/campaigns")
    assert "已送达 0/2" in listing.text
    view = await tap(harness, CampaignCb(action="progress", campaign_id=campaign.id).pack())
    assert "目标 2 · 已送达 0" in view.text and "待发送 2" in view.text
    assert zh("bot.campaigns.scheduled_for", when=when) in view.text
    assert asked.text == zh("bot.campaigns.ask.schedule")
