import asyncio
from typing import Any

import pytest
from aiogram.methods import SendChatAction, SendMessage
from sqlalchemy import func, select

from bot.callbacks import HandoffCb, VoteCb
from core.i18n import translate
from knowledge.models import AnswerLog, OpenQuestion
from tests.bot.conftest import BotHarness
from tests.bot.mocked_session import BOT_USER
from tests.bot.updates import GROUP_ID, OFFICER_ID, USER_ID, message, text_update, update

QUESTION = "知识产权质押融资工作怎么开展?"
DOCUMENT = "焦作市国家知识产权试点城市建设实施方案"


def buttons(method: SendMessage) -> list[str]:
    assert method.reply_markup is not None
    return [b.callback_data for row in method.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr,misc]


async def answer_logs(harness: BotHarness) -> list[AnswerLog]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(AnswerLog)))


async def test_question_gets_typing_then_a_cited_answer_with_vote_buttons(
    harness: BotHarness,
) -> None:
    await harness.feed(text_update(QUESTION))
    assert isinstance(harness.session.requests[0], SendChatAction)
    sent = harness.last_sent()
    assert f"《{DOCUMENT}》" in sent.text
    assert translate("zh", "bot.ask.sources") in sent.text
    [log] = await answer_logs(harness)
    assert (log.channel, log.user_key, log.answered) == ("telegram", f"tg:{USER_ID}", True)
    assert buttons(sent) == [
        VoteCb(log_id=log.id, helpful=True).pack(),
        VoteCb(log_id=log.id, helpful=False).pack(),
    ]


async def test_control_characters_are_dropped_before_the_question_is_read(
    harness: BotHarness,
) -> None:
    # Before: on PostgreSQL the NUL failed the answer log's insert and the user got the
    # generic error instead of the answer.
    await harness.feed(text_update(QUESTION[:4] + "\x00\x07" + QUESTION[4:]))
    sent = harness.last_sent()
    assert f"《{DOCUMENT}》" in sent.text
    [log] = await answer_logs(harness)
    assert log.question == QUESTION


@pytest.mark.parametrize("locale", ["zh", "en"])
async def test_unknown_question_says_it_waits_for_an_officer_and_offers_no_second_handoff(
    harness: BotHarness, locale: str
) -> None:
    code = "zh-hans" if locale == "zh" else "en"
    await harness.feed(text_update("明天焦作的天气怎么样?", language_code=code))
    [sent] = [m for m in harness.session.of(SendMessage) if m.chat_id == USER_ID]
    # What happens: it is with the officers, and their answer comes here.
    assert sent.text == translate(locale, "bot.ask.not_found")
    assert "将转交" not in sent.text and "passed to an officer" not in sent.text
    [log] = await answer_logs(harness)
    assert buttons(sent) == [
        VoteCb(log_id=log.id, helpful=True).pack(),
        VoteCb(log_id=log.id, helpful=False).pack(),
    ]
    assert not any(b.startswith(HandoffCb.__prefix__) for b in buttons(sent))
    async with harness.runtime.sessions() as session:
        [question] = list(await session.scalars(select(OpenQuestion)))
    assert (question.status, question.chat_id) == ("open", USER_ID)
    [notice] = harness.session.texts(OFFICER_ID)
    assert f"/answer {question.id} " in notice


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
        {"document": {"file_id": "d", "file_unique_id": "d"}, "caption": "政策文件"},
    ],
    ids=["sticker", "photo", "voice", "document"],
)
async def test_non_text_messages_get_a_please_send_text_reply(
    harness: BotHarness, content: dict[str, Any]
) -> None:
    await harness.feed(update(message=message(**content)))
    assert harness.session.texts() == [translate("zh", "bot.ask.text_only")]
    assert await answer_logs(harness) == []


# An overlong question is answered from its start: tests/bot/test_smaller_ask.py.


async def test_edited_question_is_answered_again(harness: BotHarness) -> None:
    body = message(QUESTION)
    await harness.feed(update(edited_message={**body, "edit_date": body["date"] + 5}))
    assert f"《{DOCUMENT}》" in harness.last_sent().text


async def test_forwarded_question_is_answered(harness: BotHarness) -> None:
    origin = {"type": "hidden_user", "date": 0, "sender_user_name": "同事"}
    await harness.feed(update(message=message(QUESTION, forward_origin=origin)))
    assert f"《{DOCUMENT}》" in harness.last_sent().text


async def test_group_chat_answers_only_when_addressed(harness: BotHarness) -> None:
    await harness.feed(text_update(QUESTION, chat_id=GROUP_ID))
    sticker = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await harness.feed(update(message=message(chat_id=GROUP_ID, sticker=sticker)))
    assert harness.session.of(SendMessage) == []

    mention = f"@{BOT_USER.username} {QUESTION}"
    body = message(mention, chat_id=GROUP_ID)
    body["entities"] = [{"type": "mention", "offset": 0, "length": len(BOT_USER.username) + 1}]
    await harness.feed(update(message=body))
    sent = harness.last_sent()
    assert sent.chat_id == GROUP_ID and f"《{DOCUMENT}》" in sent.text
    [log] = await answer_logs(harness)
    assert log.question == QUESTION  # the mention is not part of the question

    bot_message = {**message("…", chat_id=GROUP_ID), "from": BOT_USER.model_dump()}
    await harness.feed(
        update(message=message(QUESTION, chat_id=GROUP_ID, reply_to_message=bot_message))
    )
    assert len(await answer_logs(harness)) == 2


async def test_unexpected_failure_gets_an_apology_and_the_next_update_works(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("index exploded")

    with monkeypatch.context() as patch:
        patch.setattr(harness.runtime.knowledge, "answer", broken)
        await harness.feed(text_update(QUESTION))
    assert harness.session.texts() == [translate("zh", "bot.error.generic")]
    assert await answer_logs(harness) == []
    await harness.feed(text_update(QUESTION))
    assert f"《{DOCUMENT}》" in harness.last_sent().text


async def test_a_flood_gets_one_slow_down_not_twenty_answers(harness: BotHarness) -> None:
    for _ in range(20):
        await harness.feed(text_update(QUESTION))
    texts = harness.session.texts()
    assert texts.count(translate("zh", "bot.flood")) == 1
    assert len(await answer_logs(harness)) == 5
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerLog)) == 5


async def test_concurrent_updates_from_new_users_do_not_lock_each_other_out(
    harness: BotHarness,
) -> None:
    """Regression: on SQLite, concurrent read-then-write updates failed "database is locked"."""
    users = range(USER_ID, USER_ID + 8)
    await asyncio.gather(*(harness.feed(text_update(QUESTION, user_id=u)) for u in users))
    assert {log.user_key for log in await answer_logs(harness)} == {f"tg:{u}" for u in users}
    assert translate("zh", "bot.error.generic") not in harness.session.texts()
