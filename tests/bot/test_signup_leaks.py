"""Issue 17, item 3: forms do not leak. Typed answers work at button steps; a command or
a menu tap leaves the form with a notice and then does what it asked; a free-text step
refuses what is plainly a question."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.callbacks import EventCb, FormCb, LanguageCb, MenuCb
from bot.keyboards import main_menu
from core.i18n import Translator, translate
from knowledge.models import AnswerLog
from tests.bot.conftest import BotHarness
from tests.bot.signup_people import (
    VALID_CODE,
    Person,
    buttons,
    new_event_id,
    question,
    registrations,
)
from tests.bot.updates import OFFICER_ID

FLOOD_LIMIT = 10_000  # a form is many quick updates: flood control out of the way


def zh(key: str, **params: object) -> str:
    return translate("zh", key, **params)


async def questions_asked(harness: BotHarness) -> int:
    async with harness.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AnswerLog)) or 0)


async def to_size_step(me: Person, event_id: int) -> None:
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    await me.say("焦作测试科技有限公司")
    await me.say(VALID_CODE)
    assert await me.say("解放区") == question("size", 4)


async def test_typed_answers_at_button_steps_fill_the_form(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    await me.say("焦作测试科技有限公司")
    await me.say(VALID_CODE)
    assert await me.say("跳过") == question("size", 4)  # the skip button's word
    assert await me.say("是") == question("contact_name", 5)
    await me.say("王经理")
    summary = await me.say("13800138000")
    assert "规模以上：是" in summary and "县（市、区）：-" in summary
    reply = await me.say("确认")
    assert "报名成功" in reply
    [registration] = await registrations(harness)
    assert registration.company.above_designated_size is True
    assert registration.company.county is None
    assert await questions_asked(harness) == 0  # nothing typed was taken as a question

    # Next time the saved profile is offered: "是" uses it (and finds the sign-up).
    await me.tap(EventCb(action="signup", event_id=await new_event_id(harness)).pack())
    assert FormCb(action="reuse").pack() in buttons(me.last())
    summary = await me.say("是")
    assert "请核对报名信息" in summary and VALID_CODE in summary


async def test_text_at_a_button_step_says_how_to_answer_and_keeps_the_step(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await to_size_step(me, event_id)
    reply = await me.say("专利质押贷款怎么申请？")
    assert reply == zh("bot.events.form.typed_size")
    assert FormCb(action="yes").pack() in buttons(me.last())  # the buttons come again
    assert await questions_asked(harness) == 0
    assert await me.say("不是") == question("contact_name", 5)


async def test_start_in_the_middle_leaves_the_form_and_the_next_question_is_a_question(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    await me.say("焦作测试科技有限公司")
    await me.say(VALID_CODE)
    before = len(me.sent())
    await me.say("/start")
    left, menu = me.sent()[before:]
    assert left.text == zh("bot.form.left", form="活动报名")
    assert menu.text == zh("bot.start") and menu.reply_markup == main_menu(Translator("zh"))
    assert await me.form_step() is None
    await me.say("专利质押贷款怎么申请？")
    assert question("size", 4) not in me.texts()
    assert await questions_asked(harness) == 1  # answered as a question, not saved as a county


@pytest.mark.parametrize(
    ("command", "then"),
    [("/help", "bot.help"), ("/events", "bot.events.list_title"), ("/nonsense", "bot.help")],
)
async def test_any_command_leaves_the_form_then_does_its_job(
    harness: BotHarness, command: str, then: str
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await to_size_step(me, event_id)
    before = len(me.sent())
    await me.say(command)
    left, answer = me.sent()[before:]
    assert left.text == zh("bot.form.left", form="活动报名")
    assert answer.text.startswith(zh(then, limit=500)[:8])
    assert await me.form_step() is None


async def test_cancel_says_it_once(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await to_size_step(me, event_id)
    before = len(me.sent())
    await me.say("/cancel")
    assert [m.text for m in me.sent()[before:]] == [zh("bot.events.form.cancelled")]
    assert await me.form_step() is None


async def test_a_menu_tap_leaves_the_form(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await to_size_step(me, event_id)
    before = len(me.sent())
    await me.tap(MenuCb(item="ask").pack())
    assert [m.text for m in me.sent()[before:]] == [
        zh("bot.form.left", form="活动报名"),
        zh("bot.ask.prompt"),
    ]
    assert await me.form_step() is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([], "企业名称"),
        (["焦作测试科技有限公司", VALID_CODE], "县（市、区）"),
        (["焦作测试科技有限公司", VALID_CODE, "解放区", "是"], "联系人姓名"),
    ],
)
async def test_a_free_text_step_refuses_a_question(
    harness: BotHarness, answers: list[str], field: str
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    for answer in answers:
        await me.say(answer)
    asked = me.last().text
    for typed in ("专利质押贷款怎么申请？", "有补贴吗", "what is this"):
        reply = await me.say(typed)
        assert reply == zh("bot.events.form.looks_like_question", field=field), typed
    await me.say("/cancel")
    assert asked.startswith("第 ")  # the step was asked, and stayed until /cancel


async def test_an_english_user_types_yes(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await me.tap(LanguageCb(locale="en").pack())
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    await me.say("Jiaozuo Test Co., Ltd.")
    await me.say(VALID_CODE)
    await me.say("Skip")
    assert await me.say("Yes") == question("contact_name", 5, locale="en")
    reply = await me.say("How do I pledge a patent?")
    assert reply.startswith("⚠️ That looks like a question, not the contact name.")


async def test_an_officer_leaves_a_campaign_draft_with_a_command(harness: BotHarness) -> None:
    officer = Person(harness, OFFICER_ID)
    await officer.say("/campaign")
    await officer.say("宣传周")
    before = len(officer.sent())
    await officer.say("/help")
    left, help_text = officer.sent()[before:]
    assert left.text == zh("bot.form.left", form="推送编辑")
    assert help_text.text.startswith("使用说明")
    assert await officer.form_step() is None
