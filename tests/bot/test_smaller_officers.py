"""Issue 17, item 8, officers: the notice of a new question says who asked (escaped), and
a second /answer to the same question is a follow-up that reaches the asker again."""

from __future__ import annotations

from sqlalchemy import select

from core.i18n import translate
from events.registration import register
from knowledge.models import OpenQuestion
from tests.bot.conftest import BotHarness
from tests.bot.updates import OFFICER_ID, USER_ID, message, text_update, update, user
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event
from webchat.service import ask_in_chat, messages_after, open_chat

UNKNOWN = "明天焦作的天气怎么样?"


async def open_question(harness: BotHarness) -> OpenQuestion:
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(OpenQuestion)))
    return row


async def officer_says(harness: BotHarness, text: str) -> list[str]:
    harness.session.clear()
    await harness.feed(text_update(text, user_id=OFFICER_ID))
    return harness.session.texts(OFFICER_ID)


async def test_the_officers_notice_names_the_asker_escaped(harness: BotHarness) -> None:
    # Before: "待答复问题 #1 / 明天焦作的天气怎么样?" and nothing on who asked.
    sender = {
        **user(USER_ID),
        "first_name": "王<b>经理</b>",
        "last_name": "&",
        "username": "wang_j",
    }
    await harness.feed(update(message=message(UNKNOWN, **{"from": sender})))
    [notice] = harness.session.texts(OFFICER_ID)
    who = "王&lt;b&gt;经理&lt;/b&gt; &amp; @wang_j"
    assert translate("zh", "bot.officer.asker", who=who) in notice
    assert "<b>经理" not in notice
    assert notice.index(who) < notice.index(UNKNOWN)  # who, then what


async def test_the_notice_names_the_company_the_asker_signed_up_with(
    harness: BotHarness,
) -> None:
    event = await new_event(harness.runtime.sessions, event_in())
    form = registration_form(3)
    form.company.name = "焦作<宏达>&机械有限公司"
    await register(harness.runtime.sessions, event.id, form, channel="telegram", chat_id=USER_ID)
    await harness.feed(text_update(UNKNOWN))
    [notice] = harness.session.texts(OFFICER_ID)
    company = "焦作&lt;宏达&gt;&amp;机械有限公司"
    who = f"user{USER_ID} @user{USER_ID}"
    assert translate("zh", "bot.officer.asker_company", who=who, company=company) in notice


async def test_a_second_answer_is_a_follow_up_that_reaches_the_asker(
    harness: BotHarness,
) -> None:
    await harness.feed(text_update(UNKNOWN))
    question = await open_question(harness)
    first = await officer_says(harness, f"/answer {question.id} 请查看焦作市气象台发布的预报。")
    assert first == [translate("zh", "bot.officer.sent", id=question.id, count=1)]
    # Before: the second /answer was refused ("该操作已完成，无需重复。").
    second = await officer_says(harness, f"/answer {question.id} 补充：明天有小雨，请带伞。")
    assert second == [translate("zh", "bot.officer.follow_up_sent", id=question.id, count=1)]
    [follow_up] = harness.session.texts(USER_ID)
    assert translate("zh", "bot.officer.reply") in follow_up
    assert "补充：明天有小雨，请带伞。" in follow_up and UNKNOWN in follow_up
    recorded = await open_question(harness)
    assert recorded.status == "answered"
    assert recorded.answer is not None
    assert "请查看焦作市气象台发布的预报。" in recorded.answer
    assert recorded.answer.endswith("补充：明天有小雨，请带伞。")
    assert recorded.answered_by == f"tg:{OFFICER_ID}"
    # The same text again (a double send) is not sent twice.
    again = await officer_says(harness, f"/answer {question.id} 补充：明天有小雨，请带伞。")
    assert again == [translate("zh", "bot.officer.repeated", id=question.id)]
    assert harness.session.texts(USER_ID) == []


async def test_an_officer_answers_a_web_chat_question_from_the_bot(harness: BotHarness) -> None:
    """Before the outbox: on SQLite the bot waited 30 s for the web sender's second write
    transaction, answered with the generic error and the asker got nothing."""
    async with harness.runtime.sessions() as session:
        chat, _ = await open_chat(session)
        asked, _ = await ask_in_chat(session, harness.runtime.knowledge, chat, UNKNOWN, "zh")
        await session.commit()
    assert asked.open_question_id is not None
    said = await officer_says(harness, f"/answer {asked.open_question_id} 请查看焦作市气象台。")
    assert said == [translate("zh", "bot.officer.sent", id=asked.open_question_id, count=1)]
    async with harness.runtime.sessions() as session:
        delivered = await messages_after(session, chat, 0)
    assert [m.text for m in delivered] == [f"{UNKNOWN}\n\n请查看焦作市气象台。"]
    assert harness.session.texts(USER_ID) == []  # nothing went to a Telegram chat
