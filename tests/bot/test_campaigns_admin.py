"""The officers' campaign screens through the dispatcher, on SQLite and PostgreSQL: the
compose form with its checks, the preview, confirming (once, even when tapped twice),
scheduling in office time, pause / resume / cancel, and what non-officers see."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.callbacks import CampaignCb, CampaignFormCb
from bot.campaign_progress import KEY, LiveProgress, install
from bot.factory import close_dispatcher
from campaigns import service
from campaigns.content import Draft
from campaigns.models import Campaign
from campaigns.worker import Worker, WorkerConfig
from core.i18n import translate
from tests.bot.conftest import BotHarness
from tests.bot.updates import OFFICER_ID, USER_ID, callback_update, text_update
from tests.campaigns.factories import FakePort, add_subscribers

TEXT = '<b>4·26</b> 知识产权宣传周 &amp; <a href="https://www.cnipa.gov.cn">报名</a>'


# A form is many quick updates: flood control out of the way (tests/bot/conftest.py).
FLOOD_LIMIT = 10_000


def zh(key: str, **params: object) -> str:
    return translate("zh", key, **params)


def buttons(method: SendMessage) -> list[str]:
    markup = method.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [b.callback_data or "" for row in markup.inline_keyboard for b in row]


def button(method: SendMessage, action: str, value: str = "") -> str:
    """The form button with this action (and value) in the message."""
    for data in buttons(method):
        if data.startswith(CampaignFormCb.__prefix__):
            parsed = CampaignFormCb.unpack(data)
            if parsed.action == action and (not value or parsed.value == value):
                return data
    raise AssertionError(f"no {action}/{value} button in {buttons(method)}")


async def say(harness: BotHarness, text: str, user_id: int = OFFICER_ID) -> SendMessage:
    await harness.feed(text_update(text, user_id=user_id))
    return harness.last_sent()


async def tap(harness: BotHarness, data: str, user_id: int = OFFICER_ID) -> SendMessage:
    await harness.feed(callback_update(data, user_id=user_id))
    return harness.last_sent()


async def campaigns(harness: BotHarness) -> list[Campaign]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(Campaign).order_by(Campaign.id)))


async def to_schedule_step(harness: BotHarness, title: str = "宣传周 <2026>") -> SendMessage:
    """Title, text, no button, everyone, next: the form asks for the time."""
    await say(harness, "/campaign")
    await say(harness, title)
    asked = await say(harness, TEXT)
    asked = await tap(harness, button(asked, "skip"))
    asked = await tap(harness, button(asked, "seg", "all"))
    return await tap(harness, button(asked, "done"))


async def test_compose_checks_each_step_previews_and_confirms_once(harness: BotHarness) -> None:
    chats = await add_subscribers(harness.runtime.sessions, 3, county="解放区")
    await add_subscribers(harness.runtime.sessions, 2, start=100, county="修武县")
    reply = await say(harness, "/campaign")
    assert reply.text == zh("bot.campaigns.ask.title")
    await say(harness, "宣传周 <2026>")

    # Broken HTML is refused with the reason and the text step asks again.
    reply = await say(harness, "<b>知识产权宣传周")
    assert reply.text.startswith("⚠️") and "&lt;b&gt; 没有对应的结束标记" in reply.text
    reply = await say(harness, "<script>alert(1)</script>")
    assert "不支持标记 &lt;script&gt;" in reply.text  # the reason is escaped too
    reply = await say(harness, "R&D 中心")
    # In the officer's language, with the way out (the reply is HTML: &amp; shows as &).
    assert "文字中的 &amp; 请写成 &amp;amp;" in reply.text and "entity" not in reply.text
    reply = await say(harness, TEXT)
    assert reply.text == zh("bot.campaigns.ask.button")

    reply = await say(harness, "ftp://example.com 查看")
    assert "网址必须以 https:// 开头" in reply.text  # refused, asked again
    assert "must" not in reply.text
    reply = await say(harness, "https://www.cnipa.gov.cn 查看<详情>")
    assert button(reply, "seg", "counties")
    assert (await say(harness, "解放区")).text == zh("bot.campaigns.use_buttons")

    reply = await tap(harness, button(reply, "seg", "counties"))
    assert reply.text == zh("bot.campaigns.ask.counties")
    reply = await say(harness, "解放区、山阳区")
    assert "解放区、山阳区" in reply.text and "3 人" in reply.text  # 3 of 5 reached
    reply = await tap(harness, button(reply, "done"))
    assert reply.text == zh("bot.campaigns.ask.schedule")

    harness.session.clear()
    summary = await tap(harness, button(reply, "now"))
    # The exact message went to the officer's chat, and to nobody else.
    sent = harness.session.of(SendMessage)
    assert {m.chat_id for m in sent} == {OFFICER_ID}
    preview = sent[0]
    assert preview.text == TEXT
    assert isinstance(preview.reply_markup, InlineKeyboardMarkup)
    [[link]] = preview.reply_markup.inline_keyboard
    assert (link.text, link.url) == ("查看<详情>", "https://www.cnipa.gov.cn")
    assert "宣传周 &lt;2026&gt;" in summary.text and "查看&lt;详情&gt;" in summary.text
    assert "覆盖人数：3" in summary.text

    confirm = button(summary, "confirm")
    await tap(harness, confirm)
    await tap(harness, confirm)  # a double tap
    [campaign] = await campaigns(harness)
    assert (campaign.title, campaign.text, campaign.status) == ("宣传周 <2026>", TEXT, "sending")
    assert campaign.segment == {"counties": ["解放区", "山阳区"]}
    assert campaign.button_text == "查看<详情>" and campaign.created_by == f"tg:{OFFICER_ID}"
    assert campaign.targeted == len(chats)
    assert zh("bot.stale_button") in [a.text for a in harness.session.of(AnswerCallbackQuery)]
    assert any(
        zh("bot.campaigns.started", id=campaign.id, title="宣传周 &lt;2026&gt;", count=3) == m.text
        for m in harness.session.of(SendMessage)
    )


async def test_concurrent_confirm_taps_create_one_campaign(harness: BotHarness) -> None:
    summary = await tap(harness, button(await to_schedule_step(harness), "now"))
    confirm = button(summary, "confirm")
    await asyncio.gather(*(tap(harness, confirm) for _ in range(3)))
    assert len(await campaigns(harness)) == 1


async def test_a_repeated_draft_key_is_refused_by_the_database(harness: BotHarness) -> None:
    async with harness.runtime.sessions() as session:
        await service.create_campaign(session, Draft("t", "x"), request_key="tg:1:abc")
        await session.commit()
    async with harness.runtime.sessions() as session:
        with pytest.raises(service.AlreadySubmitted):
            await service.create_campaign(session, Draft("t", "x"), request_key="tg:1:abc")
    assert len(await campaigns(harness)) == 1


async def test_schedule_time_is_office_time_stored_in_utc_and_edits_return_to_summary(
    harness: BotHarness,
) -> None:
    asked = await to_schedule_step(harness)
    reply = await say(harness, "2020-04-26 09:00")
    assert reply.text.startswith("⚠️") and "已经过去" in reply.text
    reply = await say(harness, "明天上午九点")
    assert reply.text.startswith("⚠️")
    summary = await say(harness, "2030-04-26  09:00")
    assert "2030-04-26 09:00" in summary.text and button(summary, "confirm")
    assert asked.text == zh("bot.campaigns.ask.schedule")

    # Edit the title: the form comes straight back to the summary.
    fields = await tap(harness, button(summary, "edit"))
    asked = await tap(harness, button(fields, "field", "title"))
    assert asked.text == zh("bot.campaigns.ask.title")
    summary = await say(harness, "世界知识产权日")
    assert "世界知识产权日" in summary.text
    await tap(harness, button(summary, "confirm"))

    [campaign] = await campaigns(harness)
    assert campaign.title == "世界知识产权日" and campaign.status == "scheduled"
    assert campaign.scheduled_at == datetime(2030, 4, 26, 1, 0, tzinfo=UTC)
    assert campaign.targeted == 0  # nobody is snapshotted before the time comes


async def test_discard_and_cancel_leave_no_campaign(harness: BotHarness) -> None:
    summary = await tap(harness, button(await to_schedule_step(harness), "now"))
    reply = await tap(harness, button(summary, "discard"))
    assert reply.text == zh("bot.campaigns.discarded")
    await say(harness, "/campaign")
    reply = await say(harness, "/cancel")
    assert reply.text == zh("bot.campaigns.discarded")
    await tap(harness, button(summary, "confirm"))  # the old summary's button is stale
    assert await campaigns(harness) == []


async def sending_campaign(harness: BotHarness, title: str = "3·15 <宣传>") -> int:
    await add_subscribers(harness.runtime.sessions, 4)
    async with harness.runtime.sessions() as session:
        campaign = await service.create_campaign(session, Draft(title, TEXT))
        await service.start_campaign(session, campaign.id)
        await session.commit()
        return campaign.id


def alerts(harness: BotHarness) -> list[str]:
    return [a.text for a in harness.session.of(AnswerCallbackQuery) if a.show_alert]


async def status_of(harness: BotHarness, campaign_id: int) -> str:
    async with harness.runtime.sessions() as session:
        return (await service.get_campaign(session, campaign_id)).status


async def test_list_pause_resume_cancel_and_refusals(harness: BotHarness) -> None:
    install(harness.dispatcher, LiveProgress(interval=3600))  # no edits in this test
    campaign_id = await sending_campaign(harness)
    listing = await say(harness, "/campaigns")
    assert "3·15 &lt;宣传&gt;" in listing.text and "0/4" in listing.text
    act = {a: CampaignCb(action=a, campaign_id=campaign_id).pack() for a in service.ALLOWED_FROM}
    assert act["pause"] in buttons(listing) and act["resume"] not in buttons(listing)

    view = await tap(harness, act["pause"])
    assert await status_of(harness, campaign_id) == "paused"
    assert act["resume"] in buttons(view) and act["pause"] not in buttons(view)
    await tap(harness, act["pause"])  # an old button: refused, status unchanged
    assert alerts(harness)[-1] == zh(
        "bot.campaigns.refused", id=campaign_id, status="已暂停", action="暂停"
    )
    await tap(harness, act["resume"])
    assert await status_of(harness, campaign_id) == "sending"
    await tap(harness, act["cancel"])
    assert await status_of(harness, campaign_id) == "cancelled"
    await tap(harness, act["resume"])
    assert alerts(harness)[-1] == zh(
        "bot.campaigns.refused", id=campaign_id, status="已取消", action="继续"
    )
    assert await status_of(harness, campaign_id) == "cancelled"


async def test_non_officers_get_the_usual_answers_and_no_campaign_data(
    harness: BotHarness,
) -> None:
    campaign_id = await sending_campaign(harness, title="内部标题")
    await say(harness, "/campaign", user_id=USER_ID)
    await say(harness, "宣传周", user_id=USER_ID)  # not taken as a title
    await say(harness, "/campaigns", user_id=USER_ID)
    for action in ("progress", "pause", "cancel"):
        await tap(harness, CampaignCb(action=action, campaign_id=campaign_id).pack(), USER_ID)
    texts = harness.session.texts()
    helped = zh("bot.help", limit=harness.runtime.settings.max_question_chars)
    assert any(text.startswith(helped) for text in texts)  # users' commands only
    assert not any("内部标题" in text or "推送" in text for text in texts)
    answers = [a.text for a in harness.session.of(AnswerCallbackQuery)]
    assert answers == [zh("bot.stale_button")] * 3
    assert {m.chat_id for m in harness.session.of(SendMessage)} == {USER_ID}
    assert await status_of(harness, campaign_id) == "sending"
    assert len(await campaigns(harness)) == 1


def _not_modified(method: TelegramMethod[object]) -> Exception:
    return TelegramBadRequest(method, "Bad Request: message is not modified")


def _flood(method: TelegramMethod[object]) -> Exception:
    return TelegramRetryAfter(method, "Too Many Requests: retry after 0", retry_after=0)


async def test_live_progress_edits_until_done_and_survives_telegram_refusals(
    harness: BotHarness,
) -> None:
    watchers = install(harness.dispatcher, LiveProgress(interval=0.01))
    campaign_id = await sending_campaign(harness)
    view = await tap(harness, CampaignCb(action="progress", campaign_id=campaign_id).pack())
    assert "发送中" in view.text and "已送达 0" in view.text
    [task] = watchers.tasks.values()
    # The next edits fail: "not modified", then flood control beyond the bot's own retries.
    harness.session.fail_for(OFFICER_ID, _not_modified, times=1)
    await asyncio.sleep(0.05)
    harness.session.fail_for(OFFICER_ID, _flood, times=4)
    port = FakePort()
    await Worker(harness.runtime.sessions, port, config=WorkerConfig(poll=0.01)).run(
        until_idle=True
    )
    await asyncio.wait_for(task, 30)  # ends by itself once the campaign is done
    assert watchers.tasks == {}
    edits = [e for e in harness.session.of(EditMessageText) if e.chat_id == OFFICER_ID]
    final = edits[-1]
    assert final.text is not None and "已完成" in final.text and "已送达 4" in final.text
    assert final.message_id is not None and len(port.requests) == 4


async def test_live_progress_stops_when_the_dispatcher_closes(harness: BotHarness) -> None:
    watchers = install(harness.dispatcher, LiveProgress(interval=0.01))
    campaign_id = await sending_campaign(harness)
    await tap(harness, CampaignCb(action="progress", campaign_id=campaign_id).pack())
    [first] = watchers.tasks.values()
    await tap(harness, CampaignCb(action="progress", campaign_id=campaign_id).pack())
    [task] = watchers.tasks.values()  # the second view took over from the first
    assert task is not first
    await close_dispatcher(harness.dispatcher)
    # Told to stop, not cancelled (never inside a database read); closing waited for both,
    # so neither holds a session when the engine goes away.
    assert first.done() and task.done() and not task.cancelled() and not first.cancelled()
    assert watchers.tasks == {} and watchers.ending == set()
    assert harness.dispatcher.workflow_data[KEY] is watchers


async def test_system_campaigns_are_marked_in_the_list(harness: BotHarness) -> None:
    async with harness.runtime.sessions() as session:
        notice = Campaign(title="政策提醒", text="", kind="benefit_notice", status="done")
        session.add(notice)
        await session.commit()
    listing = await say(harness, "/campaigns")
    assert f"[系统·政策提醒] #{notice.id}「政策提醒」" in listing.text
