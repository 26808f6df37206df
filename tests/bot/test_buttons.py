"""Feedback taps, the hand-off to an officer and the officer's answer, stale buttons."""

from typing import Any

from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from sqlalchemy import select

from bot.callbacks import HandoffCb, VoteCb
from bot.commands import help_text
from campaigns.subscribers import get_subscriber, subscribe
from core.chat_users import get_chat_user
from core.i18n import Translator, translate
from knowledge.feedback import AnswerFeedback
from knowledge.models import AnswerLog, OpenQuestion
from tests.bot.conftest import BotHarness, sent_as_incoming
from tests.bot.updates import OFFICER_ID, USER_ID, callback_update, message, text_update, update


def alerts(harness: BotHarness) -> list[str | None]:
    return [a.text for a in harness.session.of(AnswerCallbackQuery)]


async def test_vote_once_per_user_and_a_second_tap_changes_it(harness: BotHarness) -> None:
    await harness.feed(text_update("知识产权质押融资工作怎么开展?"))
    answer = sent_as_incoming(harness.last_sent())
    up, down = (b["callback_data"] for b in answer["reply_markup"]["inline_keyboard"][0])
    for data in (up, up, down):
        await harness.feed(callback_update(data, message_body=answer))
    assert alerts(harness) == [
        translate("zh", "bot.feedback.recorded"),
        translate("zh", "bot.feedback.unchanged"),
        translate("zh", "bot.feedback.changed"),
    ]
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(AnswerFeedback)))
    assert (row.user_key, row.vote) == (f"tg:{USER_ID}", -1)


async def test_vote_on_a_missing_answer_is_a_friendly_alert(harness: BotHarness) -> None:
    await harness.feed(callback_update(VoteCb(log_id=999, helpful=True).pack()))
    [alert] = harness.session.of(AnswerCallbackQuery)
    assert alert.text == translate("zh", "errors.not_found") and alert.show_alert


async def test_buttons_of_an_older_bot_version_are_answered_and_ignored(
    harness: BotHarness,
) -> None:
    for data in ("fb0:12:1", "ho1:not-a-number", "garbage"):
        await harness.feed(callback_update(data))
    assert alerts(harness) == [translate("zh", "bot.stale_button")] * 3
    assert harness.session.of(SendMessage) == []


ANSWERED = "知识产权质押融资工作怎么开展?"
UNKNOWN = "明天焦作的天气怎么样?"


def callback_data(body: dict[str, Any]) -> list[str]:
    keyboard = body.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in keyboard for button in row]


async def _thumbs_down(harness: BotHarness, user_id: int = USER_ID) -> dict[str, Any]:
    """Ask a question the assistant answers, tap 👎; the bot's offer as the client holds it."""
    await harness.feed(text_update(ANSWERED))
    answer = sent_as_incoming(harness.last_sent())
    down = next(d for d in callback_data(answer) if not VoteCb.unpack(d).helpful)
    await harness.feed(callback_update(down, user_id=user_id, message_body=answer))
    return sent_as_incoming(harness.last_sent(), message_id=778)


async def _handoff(harness: BotHarness) -> tuple[int, dict[str, Any]]:
    offer = await _thumbs_down(harness)
    [handoff] = callback_data(offer)
    question_id = HandoffCb.unpack(handoff).question_id
    await harness.feed(callback_update(handoff, message_body=offer))
    # A second tap, from the message as the client shows it after the bot's edit.
    [edit] = harness.session.of(EditMessageReplyMarkup)
    assert edit.reply_markup is None  # the offer had only the one button
    edited = {k: v for k, v in offer.items() if k != "reply_markup"}
    await harness.feed(callback_update(handoff, message_body=edited))
    return question_id, offer


async def test_thumbs_down_on_an_answer_offers_an_officer(harness: BotHarness) -> None:
    offer = await _thumbs_down(harness)
    assert alerts(harness) == [translate("zh", "bot.feedback.recorded")]
    assert offer["text"] == translate("zh", "bot.ask.handoff_offer")
    [handoff] = callback_data(offer)
    assert [b["text"] for row in offer["reply_markup"]["inline_keyboard"] for b in row] == [
        translate("zh", "bot.ask.handoff_button")
    ]
    [sent] = [m for m in harness.session.of(SendMessage) if m.text == offer["text"]]
    assert sent.chat_id == USER_ID and sent.reply_to_message_id == 777  # under the answer
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(OpenQuestion)))
        [log] = list(await session.scalars(select(AnswerLog)))
    # Offered, not yet with the officers: their queue and chats know nothing of it.
    assert (row.id, row.answer_log_id, row.question) == (
        HandoffCb.unpack(handoff).question_id,
        log.id,
        ANSWERED,
    )
    assert row.status != "open" and row.chat_id is None
    assert harness.session.texts(OFFICER_ID) == []


async def test_a_second_thumbs_down_or_one_on_a_not_found_answer_offers_nothing_more(
    harness: BotHarness,
) -> None:
    await harness.feed(text_update(ANSWERED))
    answer = sent_as_incoming(harness.last_sent())
    down = next(d for d in callback_data(answer) if not VoteCb.unpack(d).helpful)
    await harness.feed(callback_update(down, message_body=answer))
    await harness.feed(callback_update(down, message_body=answer))
    offer = translate("zh", "bot.ask.handoff_offer")
    assert harness.session.texts(USER_ID).count(offer) == 1

    await harness.feed(text_update(UNKNOWN))
    [declined_sent] = [
        m for m in harness.session.of(SendMessage) if m.text == translate("zh", "bot.ask.not_found")
    ]
    declined = sent_as_incoming(declined_sent)
    down = next(d for d in callback_data(declined) if not VoteCb.unpack(d).helpful)
    await harness.feed(callback_update(down, message_body=declined))
    assert harness.session.texts(USER_ID).count(offer) == 1


async def test_a_not_found_question_reaches_the_officers_and_their_answer_the_asker(
    harness: BotHarness,
) -> None:
    await harness.feed(text_update(UNKNOWN))
    [declined] = [m for m in harness.session.of(SendMessage) if m.chat_id == USER_ID]
    assert declined.text == translate("zh", "bot.ask.not_found")
    # No second hand-off to offer: the question is with the officers already.
    assert not any(
        d.startswith(HandoffCb.__prefix__) for d in callback_data(sent_as_incoming(declined))
    )
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(OpenQuestion)))
    assert (row.status, row.channel, row.chat_id) == ("open", "telegram", USER_ID)
    [notice] = harness.session.texts(OFFICER_ID)
    assert f"/answer {row.id} " in notice and UNKNOWN in notice

    harness.session.clear()
    await harness.feed(text_update(f"/answer {row.id} 请关注市气象台的预报", user_id=OFFICER_ID))
    [to_user] = [m for m in harness.session.of(SendMessage) if m.chat_id == USER_ID]
    assert translate("zh", "bot.officer.reply") in to_user.text
    assert UNKNOWN in to_user.text and "请关注市气象台的预报" in to_user.text
    assert harness.session.texts(OFFICER_ID) == [
        translate("zh", "bot.officer.sent", id=row.id, count=1)
    ]


async def test_an_officer_is_told_when_the_asker_cannot_be_reached(harness: BotHarness) -> None:
    async with harness.runtime.sessions() as session:
        row = OpenQuestion(question=UNKNOWN, normalized=UNKNOWN, channel="api")
        session.add(row)
        await session.commit()
    await harness.feed(text_update(f"/answer {row.id} 请关注市气象台的预报", user_id=OFFICER_ID))
    assert harness.session.texts() == [translate("zh", "bot.officer.unreachable", id=row.id)]
    async with harness.runtime.sessions() as session:
        answered = await session.get(OpenQuestion, row.id)
        assert answered is not None and answered.status == "answered"


async def test_handoff_then_officer_answer_reaches_the_asker(harness: BotHarness) -> None:
    question_id, _ = await _handoff(harness)
    assert alerts(harness) == [
        translate("zh", "bot.feedback.recorded"),
        *[translate("zh", "bot.ask.handoff_done")] * 2,
    ]
    [_edit] = harness.session.of(EditMessageReplyMarkup)  # the second tap has nothing to remove
    [notice] = harness.session.texts(OFFICER_ID)  # officers hear of it once
    assert f"/answer {question_id} " in notice and ANSWERED in notice
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(OpenQuestion)))
    assert (row.id, row.chat_id, row.status) == (question_id, USER_ID, "open")

    harness.session.clear()
    await harness.feed(
        text_update(f"/answer {question_id} 请关注<气象台>&发布", user_id=OFFICER_ID)
    )
    to_user = [m for m in harness.session.of(SendMessage) if m.chat_id == USER_ID]
    assert len(to_user) == 1
    assert translate("zh", "bot.officer.reply") in to_user[0].text
    assert "请关注&lt;气象台&gt;&amp;发布" in to_user[0].text
    assert harness.session.texts(OFFICER_ID) == [
        translate("zh", "bot.officer.sent", id=question_id, count=1)
    ]
    async with harness.runtime.sessions() as session:
        answered = await session.get(OpenQuestion, question_id)
        assert answered is not None and answered.status == "answered"

    # The same answer again (a double send) is not sent twice; a different one is a
    # follow-up (tests/bot/test_smaller_officers.py).
    harness.session.clear()
    await harness.feed(
        text_update(f"/answer {question_id} 请关注<气象台>&发布", user_id=OFFICER_ID)
    )
    assert harness.session.texts() == [translate("zh", "bot.officer.repeated", id=question_id)]


async def test_only_the_asker_can_hand_a_question_over(harness: BotHarness) -> None:
    offer = await _thumbs_down(harness)
    [handoff] = callback_data(offer)
    harness.session.clear()
    await harness.feed(callback_update(handoff, user_id=USER_ID + 1, message_body=offer))
    assert alerts(harness) == [translate("zh", "errors.not_found")]
    async with harness.runtime.sessions() as session:
        [row] = list(await session.scalars(select(OpenQuestion)))
    assert row.chat_id is None and row.status != "open"
    assert harness.session.texts(OFFICER_ID) == []


async def test_answer_command_is_for_officers_only(harness: BotHarness) -> None:
    question_id, _ = await _handoff(harness)
    harness.session.clear()
    await harness.feed(text_update(f"/answer {question_id} 我不是工作人员"))
    assert harness.session.texts() == [help_text(Translator("zh"), 500)]
    await harness.feed(text_update("/answer oops", user_id=OFFICER_ID))
    assert harness.session.texts(OFFICER_ID) == [translate("zh", "bot.officer.usage")]
    async with harness.runtime.sessions() as session:
        row = await session.get(OpenQuestion, question_id)
        assert row is not None and row.status == "open"


async def test_subscribe_and_unsubscribe_take_effect_at_once(harness: BotHarness) -> None:
    await harness.feed(text_update("/subscribe"))
    async with harness.runtime.sessions() as session:
        row = await get_subscriber(session, USER_ID)
        assert row is not None and row.subscribed
    await harness.feed(text_update("/unsubscribe"))
    await harness.feed(text_update("/unsubscribe"))
    assert harness.session.texts() == [
        translate("zh", "bot.subscriptions.subscribed"),
        translate("zh", "bot.subscriptions.unsubscribed"),
        translate("zh", "bot.subscriptions.not_subscribed"),
    ]
    async with harness.runtime.sessions() as session:
        row = await get_subscriber(session, USER_ID)
        assert row is not None and not row.subscribed


async def test_a_user_who_blocked_the_bot_crashes_nothing(harness: BotHarness) -> None:
    async with harness.runtime.sessions() as session:
        await subscribe(session, USER_ID)
        await session.commit()
    harness.session.fail_for(
        USER_ID,
        lambda method: TelegramForbiddenError(method, "Forbidden: bot was blocked by the user"),
    )
    await harness.feed(text_update("/start"))
    await harness.feed(text_update("知识产权质押融资工作怎么开展?"))
    async with harness.runtime.sessions() as session:
        subscriber = await get_subscriber(session, USER_ID)
        user = await get_chat_user(session, USER_ID)
    assert subscriber is not None and subscriber.blocked
    assert user is not None and user.blocked


async def test_blocking_the_bot_marks_the_subscriber(harness: BotHarness) -> None:
    async with harness.runtime.sessions() as session:
        await subscribe(session, USER_ID)
        await session.commit()
    member = {"user": {"id": 4242, "is_bot": True, "first_name": "policydesk"}}
    event = {
        "chat": message()["chat"],
        "from": message()["from"],
        "date": 0,
        "old_chat_member": {**member, "status": "member"},
        "new_chat_member": {**member, "status": "kicked", "until_date": 0},
    }
    await harness.feed(update(my_chat_member=event))
    async with harness.runtime.sessions() as session:
        subscriber = await get_subscriber(session, USER_ID)
    assert subscriber is not None and subscriber.blocked
