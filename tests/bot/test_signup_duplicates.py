"""Issue 17, item 2: a company already signed up is caught as soon as its credit code is
known, said in a message, and a colleague sees the registration after showing the
company's registration secret. Never a second answer to one button tap."""

from __future__ import annotations

import re

from bot.callbacks import EventCb, FormCb, LanguageCb
from core.i18n import translate
from events.registration import register
from tests.bot.conftest import BotHarness
from tests.bot.signup_people import (
    VALID_CODE,
    Person,
    buttons,
    each_callback_answered_once,
    new_event_id,
    question,
    register_by_api,
    registrations,
)
from tests.bot.updates import USER_ID
from tests.events.factories import registration_form

COLLEAGUE_ID = 1002


FLOOD_LIMIT = 10_000  # a form is many quick updates: flood control out of the way


def zh(key: str, **params: object) -> str:
    return translate("zh", key, **params)


async def sign_up(person: Person, event_id: int, company: str = "焦作测试科技有限公司") -> str:
    """The whole training form through to ✅; the confirmation text."""
    await person.tap(EventCb(action="signup", event_id=event_id).pack())
    await person.say(company)
    await person.say(VALID_CODE)
    await person.say("解放区")
    await person.say("是")
    await person.say("王经理")
    await person.say("13800138000")
    await person.tap(FormCb(action="confirm").pack())
    return next(text for text in reversed(person.texts()) if "报名成功" in text)


async def test_a_colleague_is_stopped_at_the_credit_code_and_sees_it_with_the_secret(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness, kind="financing_matchmaking")
    first = Person(harness, USER_ID)
    await first.tap(EventCb(action="signup", event_id=event_id).pack())
    for answer in ("焦作测试科技有限公司", VALID_CODE, "解放区", "是", "王经理", "13800138000"):
        await first.say(answer)
    await first.say("500")
    await first.say("无")
    await first.say("跳过")
    await first.tap(FormCb(action="confirm").pack())
    confirmation = next(text for text in first.texts() if "报名成功" in text)
    # The registrant is given the secret that lets a colleague see the registration.
    found = re.search(r"报名凭证：<code>([^<]+)</code>", confirmation)
    assert found, confirmation
    secret = found.group(1)
    [registration] = await registrations(harness)

    colleague = Person(harness, COLLEAGUE_ID)
    await colleague.tap(EventCb(action="signup", event_id=event_id).pack())
    await colleague.say("焦作测试科技有限公司")
    reply = await colleague.say(VALID_CODE)
    # Step 2 of 9, not step 10 of 10: said at once, in a message, naming the company.
    assert reply.startswith("⚠️「焦作测试科技有限公司」已报名本活动（已确认）"), reply
    assert "王**" in reply and "王经理" not in reply  # whom to ask, not who it is
    assert registration.checkin_code not in reply  # a public credit code shows no code
    assert question("county", 3, total=9) not in colleague.texts()
    assert FormCb(action="cancel").pack() in buttons(colleague.last())

    reply = await colleague.say("not-the-secret-at-all-0123456789")
    assert reply == zh("bot.events.form.existing_wrong_secret")
    assert registration.checkin_code not in "".join(colleague.texts())
    reply = await colleague.say(secret)
    assert "焦作测试科技有限公司" in reply and "已报名" in reply
    assert registration.checkin_code in reply and "状态：已确认" in reply
    [qr] = colleague.photos()
    assert registration.checkin_code in (qr.caption or "")
    assert await colleague.form_step() is None
    assert len(await registrations(harness)) == 1
    each_callback_answered_once(harness)


async def test_the_chat_that_signed_up_sees_its_registration_at_the_credit_code(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await sign_up(me, event_id)
    [registration] = await registrations(harness)
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    # The profile from last time is offered; using it finds the sign-up at once.
    reply = await me.tap(FormCb(action="reuse").pack())
    assert "已报名<b>专利信息检索培训</b>" in reply and registration.checkin_code in reply
    assert await me.form_step() is None

    # Typing the code of that company as a new profile finds it as well.
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    await me.tap(FormCb(action="new").pack())
    await me.say("焦作测试科技有限公司")
    reply = await me.say(VALID_CODE)
    assert registration.checkin_code in reply and "无需重复报名" in reply
    each_callback_answered_once(harness)


async def test_a_mistyped_credit_code_is_corrected_and_the_form_goes_on(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness)
    form = registration_form(7)
    await register_by_api(harness, event_id, form)
    colleague = Person(harness, COLLEAGUE_ID)
    await colleague.tap(EventCb(action="signup", event_id=event_id).pack())
    await colleague.say("另一家企业有限公司")
    reply = await colleague.say(form.company.credit_code)
    assert reply.startswith("⚠️「焦作测试企业7有限公司」已报名本活动")
    # Not the secret, a question: told what is expected, nothing counted against them.
    reply = await colleague.say("报名凭证在哪里？")
    assert reply == zh("bot.events.form.existing_hint")
    assert await colleague.say(VALID_CODE) == question("county", 3)


async def test_three_wrong_secrets_end_the_form_and_name_whom_to_ask(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    form = registration_form(8)
    await register_by_api(harness, event_id, form)
    colleague = Person(harness, COLLEAGUE_ID)
    await colleague.tap(EventCb(action="signup", event_id=event_id).pack())
    await colleague.say("焦作测试企业8有限公司")
    await colleague.say(form.company.credit_code)
    await colleague.say("wrong-secret-1")
    await colleague.say("wrong-secret-2")
    reply = await colleague.say("wrong-secret-3")
    assert reply == zh("bot.events.form.existing_gave_up")
    assert await colleague.form_step() is None


async def test_a_sign_up_made_meanwhile_is_told_once_in_a_message_at_confirm(
    harness: BotHarness,
) -> None:
    event_id = await new_event_id(harness)
    me = Person(harness)
    await me.tap(EventCb(action="signup", event_id=event_id).pack())
    for answer in ("焦作测试科技有限公司", VALID_CODE, "跳过", "否", "李四", "13912345678"):
        await me.say(answer)
    assert FormCb(action="confirm").pack() in buttons(me.last())
    # A colleague signs the company up on the web page before ✅ is tapped.
    form = registration_form(9).model_copy(
        update={
            "company": registration_form(9).company.model_copy(update={"credit_code": VALID_CODE})
        }
    )
    await register(harness.runtime.sessions, event_id, form)
    reply = await me.tap(FormCb(action="confirm").pack())
    assert reply.startswith("⚠️「焦作测试企业9有限公司」已报名本活动（已确认）"), reply
    each_callback_answered_once(harness)
    assert len(await registrations(harness)) == 1


async def test_an_english_colleague_is_told_in_english(harness: BotHarness) -> None:
    event_id = await new_event_id(harness)
    await register_by_api(harness, event_id, registration_form(10))
    colleague = Person(harness, COLLEAGUE_ID)
    await colleague.tap(LanguageCb(locale="en").pack())
    await colleague.tap(EventCb(action="signup", event_id=event_id).pack())
    await colleague.say("Another Co., Ltd.")
    reply = await colleague.say(registration_form(10).company.credit_code)
    assert reply.startswith(
        "⚠️ 焦作测试企业10有限公司 is already signed up for this event (confirmed)"
    )
    assert "已报名" not in reply
