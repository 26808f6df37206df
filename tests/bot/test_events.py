"""Events in the bot, through the dispatcher: list, details, the sign-up form with
validation at each step, confirmation with a QR code, my registrations and cancelling."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto
from sqlalchemy import select

from bot.callbacks import EventCb, FormCb, LanguageCb, MenuCb, MyRegCb
from core.i18n import translate
from events.models import FinancingNeed, Registration
from events.registration import register
from events.reminders import run_due_reminders
from tests.bot.conftest import BotHarness
from tests.bot.updates import USER_ID, callback_update, text_update
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

VALID_CODE = "91440300708461136T"


FLOOD_LIMIT = 10_000  # a form is many quick updates: flood control out of the way


async def _event(harness: BotHarness, **kwargs: Any) -> int:
    event = await new_event(harness.runtime.sessions, event_in(**kwargs))
    return event.id


def _buttons(method: SendMessage) -> list[str]:
    assert method.reply_markup is not None
    return [b.callback_data for row in method.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]


def _question(name: str, n: int, total: int = 6, locale: str = "zh") -> str:
    """A sign-up question as the form asks it: "第 1/6 步：请输入企业全称。…"."""
    question = translate(locale, f"bot.events.form.{name}")
    return translate(locale, "bot.events.form.step", n=n, total=total, question=question)


async def _tap(harness: BotHarness, data: str) -> None:
    await harness.feed(callback_update(data))


async def _say(harness: BotHarness, text: str) -> str:
    await harness.feed(text_update(text))
    return harness.last_sent().text


async def _fill_training_form(harness: BotHarness, event_id: int) -> None:
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    assert harness.last_sent().text == _question("company_name", 1)
    await _say(harness, "焦作<测试>科技有限公司")
    await _say(harness, VALID_CODE)
    await _tap(harness, FormCb(action="skip").pack())
    await _tap(harness, FormCb(action="yes").pack())
    await _say(harness, "王经理")
    await _say(harness, "+86 138-0013-8000")


async def test_list_details_and_a_full_sign_up(harness: BotHarness) -> None:
    event_id = await _event(harness)
    await harness.feed(text_update("/events"))
    listing = harness.last_sent()
    assert EventCb(action="show", event_id=event_id).pack() in _buttons(listing)
    await _tap(harness, MenuCb(item="events").pack())  # the main-menu button, same list
    assert harness.last_sent().text == listing.text

    await _tap(harness, EventCb(action="show", event_id=event_id).pack())
    card = harness.last_sent()
    assert "专利信息检索培训" in card.text and "10" in card.text
    assert EventCb(action="signup", event_id=event_id).pack() in _buttons(card)

    await _fill_training_form(harness, event_id)
    summary = harness.last_sent()
    # User text is escaped in the summary.
    assert "焦作&lt;测试&gt;科技有限公司" in summary.text and VALID_CODE in summary.text
    assert "13800138000" in summary.text
    confirm = FormCb(action="confirm").pack()
    assert confirm in _buttons(summary)
    await _tap(harness, confirm)
    await _tap(harness, confirm)  # a double tap

    async with harness.runtime.sessions() as session:
        [registration] = list(await session.scalars(select(Registration)))
    assert registration.status == "confirmed" and registration.channel == "telegram"
    assert registration.contact.telegram_chat_id == USER_ID
    assert registration.company.above_designated_size is True
    texts = harness.session.texts(USER_ID)
    assert any(registration.checkin_code in text and "报名成功" in text for text in texts)
    [photo] = harness.session.of(SendPhoto)
    assert photo.chat_id == USER_ID and registration.checkin_code in (photo.caption or "")
    assert photo.photo.data.startswith(b"\x89PNG")  # type: ignore[union-attr]
    # The second tap found no form: a stale-button answer, no second registration.
    assert translate("zh", "bot.stale_button") in [
        a.text for a in harness.session.of(AnswerCallbackQuery)
    ]


async def test_invalid_answers_name_the_field_and_keep_earlier_answers(
    harness: BotHarness,
) -> None:
    event_id = await _event(harness)
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    await _say(harness, "焦作测试企业")
    reply = await _say(harness, VALID_CODE[:-1] + "X")
    assert "统一社会信用代码" in reply and "校验" in reply
    reply = await _say(harness, "9144030070846113")
    assert "统一社会信用代码" in reply and "18" in reply
    assert (await _say(harness, VALID_CODE)) == _question("county", 3)
    await _say(harness, "解放区")
    await _tap(harness, FormCb(action="no").pack())
    await _say(harness, "李四")
    reply = await _say(harness, "12345")
    assert "手机号码" in reply and "11" in reply and "phone" not in reply
    await _say(harness, "13912345678")
    summary = harness.last_sent().text
    assert "焦作测试企业" in summary and "解放区" in summary and "13912345678" in summary


def _english_letters(text: str) -> bool:
    return any("a" <= char.lower() <= "z" for char in text)


async def test_a_wrong_credit_code_is_named_as_people_call_it_in_chinese_only(
    harness: BotHarness,
) -> None:
    event_id = await _event(harness)
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    await _say(harness, "焦作测试企业")
    reply = await _say(harness, "9141080012345")  # 13 characters
    assert reply.startswith("⚠️ 统一社会信用代码：") and "13" in reply
    # No field code, no English gloss: only Chinese, digits and punctuation.
    assert "credit_code" not in reply and not _english_letters(reply), reply
    # The same step asks again.
    assert (await _say(harness, VALID_CODE)) == _question("county", 3)


async def test_a_wrong_credit_code_is_explained_in_english_to_an_english_user(
    harness: BotHarness,
) -> None:
    await _tap(harness, LanguageCb(locale="en").pack())
    event_id = await _event(harness)
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    assert harness.last_sent().text == _question("company_name", 1, locale="en")
    await _say(harness, "Jiaozuo Test Co., Ltd.")
    reply = await _say(harness, "9141080012345")
    assert reply.startswith("⚠️ Unified social credit code: ") and "got 13" in reply
    assert "credit_code" not in reply and not re.search(r"[\u3400-\u9fff]", reply), reply
    reply = await _say(harness, VALID_CODE[:-1] + "X")
    assert "check character" in reply and not re.search(r"[\u3400-\u9fff]", reply), reply


async def test_my_registrations_name_the_event_on_the_cancel_button(harness: BotHarness) -> None:
    event_id = await _event(harness)
    await _fill_training_form(harness, event_id)
    await _tap(harness, FormCb(action="confirm").pack())
    await harness.feed(text_update("/my"))
    mine = harness.last_sent()
    assert mine.reply_markup is not None
    labels = [b.text for row in mine.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert "❌ 取消《专利信息检索培训》报名" in labels, labels


async def test_matchmaking_questions_and_the_remembered_profile(harness: BotHarness) -> None:
    training = await _event(harness)
    await _fill_training_form(harness, training)
    await _tap(harness, FormCb(action="confirm").pack())
    matchmaking = await _event(harness, kind="financing_matchmaking")

    await _tap(harness, EventCb(action="signup", event_id=matchmaking).pack())
    offer = harness.last_sent()
    assert VALID_CODE in offer.text and FormCb(action="reuse").pack() in _buttons(offer)
    await _tap(harness, FormCb(action="reuse").pack())
    assert harness.last_sent().text == _question("amount", 7, total=9)
    reply = await _say(harness, "很多")
    assert "融资金额" in reply and "amount_wan" not in reply
    await _say(harness, "500万")
    reply = await _say(harness, "ZL 2013 1 0123456.7")
    assert "质押专利号" in reply and "校验" in reply and "patents" not in reply
    await _say(harness, "ZL 2017 1 0601862.3, ZL99113861.9")
    await _say(harness, "购置生产设备")
    summary = harness.last_sent().text
    assert "500" in summary and "ZL201710601862.3" in summary
    await _tap(harness, FormCb(action="confirm").pack())
    async with harness.runtime.sessions() as session:
        need = await session.scalar(select(FinancingNeed))
    assert need is not None and need.patents == ["ZL201710601862.3", "ZL99113861.9"]


async def test_my_registrations_cancel_promotes_and_tells_the_next(harness: BotHarness) -> None:
    event_id = await _event(harness, capacity=1)
    await _fill_training_form(harness, event_id)
    await _tap(harness, FormCb(action="confirm").pack())
    other_chat = 5_550_001
    waiting = await register(
        harness.runtime.sessions, event_id, registration_form(3), chat_id=other_chat
    )
    assert waiting.registration.status == "waitlisted"

    await harness.feed(text_update("/my"))
    mine = harness.last_sent()
    [ask] = [b for b in _buttons(mine) if b and b.startswith("mr1:ask")]
    await _tap(harness, ask)
    prompt = harness.last_sent()
    [do] = [b for b in _buttons(prompt) if b and b.startswith("mr1:cancel")]
    await _tap(harness, do)
    async with harness.runtime.sessions() as session:
        rows = {r.id: r.status for r in await session.scalars(select(Registration))}
    assert rows[waiting.registration.id] == "confirmed"
    assert sorted(rows.values()) == ["cancelled", "confirmed"]
    told = harness.session.texts(other_chat)
    assert told and waiting.registration.checkin_code in told[-1]


async def test_another_chat_cannot_cancel_my_registration(harness: BotHarness) -> None:
    event_id = await _event(harness)
    done = await register(harness.runtime.sessions, event_id, registration_form(4), chat_id=77)
    await _tap(harness, MyRegCb(action="cancel", registration_id=done.registration.id).pack())
    async with harness.runtime.sessions() as session:
        row = await session.get(Registration, done.registration.id)
    assert row is not None and row.status == "confirmed"


async def test_closed_event_offers_no_sign_up(harness: BotHarness) -> None:
    event_id = await _event(harness, starts_in=timedelta(days=1), deadline_in=timedelta(minutes=-5))
    await _tap(harness, EventCb(action="show", event_id=event_id).pack())
    card = harness.last_sent()
    assert translate("zh", "bot.events.closed") in card.text
    assert EventCb(action="signup", event_id=event_id).pack() not in _buttons(card)


async def test_reminders_reach_the_chat_through_the_bot_without_the_officer_header(
    harness: BotHarness,
) -> None:
    event_id = await _event(harness, starts_in=timedelta(days=2))
    await _fill_training_form(harness, event_id)
    await _tap(harness, FormCb(action="confirm").pack())
    harness.session.clear()
    async with harness.runtime.sessions() as session:
        registration = await session.scalar(select(Registration))
    assert registration is not None
    when = registration.event.starts_at - timedelta(hours=20)
    report = await run_due_reminders(harness.runtime.sessions, harness.runtime.outbox, now=when)
    assert report.sent == 1
    await harness.deliver()  # the process's delivery worker sends what was queued
    [text] = harness.session.texts(USER_ID)
    assert registration.checkin_code in text and "提醒" in text
    assert translate("zh", "bot.officer.reply") not in text
