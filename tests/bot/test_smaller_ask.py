"""Issue 17, item 8, questions as users ask them: a question over the limit is answered
from its start with a note; a long question on two topics gets answers to its parts; a
photo's caption is the question."""

from __future__ import annotations

from aiogram.methods import SendMessage
from sqlalchemy import select

from core.i18n import translate
from knowledge.models import AnswerLog, OpenQuestion
from tests.bot.conftest import BotHarness
from tests.bot.updates import GROUP_ID, OFFICER_ID, USER_ID, message, update
from tests.knowledge.test_long_questions import TWO_TOPICS

QUESTION = "知识产权质押融资工作怎么开展?"
DOCUMENT = "焦作市国家知识产权试点城市建设实施方案"
PHOTO = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
CAPTION = "这是我们的专利证书，能申请资助吗？"


async def answer_logs(harness: BotHarness) -> list[AnswerLog]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(AnswerLog)))


async def open_questions(harness: BotHarness) -> list[OpenQuestion]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(OpenQuestion)))


def to_user(harness: BotHarness) -> list[str]:
    return harness.session.texts(USER_ID)


async def test_a_600_character_question_is_answered_from_its_first_500(
    harness: BotHarness,
) -> None:
    # Before: "问题太长了（最多 500 字）", and nothing was answered.
    tail = "（以上是我们的问题，下面是公司情况介绍，供参考。）" + "我们是焦作的一家制造企业。" * 60
    asked = QUESTION + tail
    assert len(asked) >= 600
    await harness.feed(update(message=message(asked)))
    first, *_ = to_user(harness)
    assert first.startswith(translate("zh", "bot.ask.clipped", limit=500))
    assert translate("zh", "bot.ask.too_long", limit=500) not in first
    [log] = await answer_logs(harness)
    assert log.question == asked[:500].rstrip()  # what was read, and only that
    assert f"《{DOCUMENT}》" in "\n".join(to_user(harness))


async def test_a_long_question_on_two_topics_gets_its_parts_answered_with_citations(
    harness: BotHarness,
) -> None:
    # Before: "没有找到", and the whole message went to the officers.
    assert 180 <= len(TWO_TOPICS) <= 500
    await harness.feed(update(message=message(TWO_TOPICS)))
    reply = "\n".join(to_user(harness))
    assert translate("zh", "bot.ask.not_found") not in reply
    assert reply.startswith(translate("zh", "knowledge.parts.intro"))
    pledge = "第一，用专利去银行做质押贷款，需要准备哪些材料、找哪个部门？"
    standard = "第二，我们同时在准备贯标，听说通过以后市里有奖励，这个奖励是多少钱，什么时候申请？"
    first = reply.index(translate("zh", "knowledge.parts.heading", n=1, part=pledge))
    second = reply.index(translate("zh", "knowledge.parts.heading", n=2, part=standard))
    # Each answered part carries its own citation, before the next part begins.
    assert f"《{DOCUMENT}》" in reply[first:second]
    assert f"《{DOCUMENT}》" in reply[second:]
    [log] = await answer_logs(harness)
    assert log.answered and log.question == TWO_TOPICS
    assert await open_questions(harness) == []
    assert harness.session.texts(OFFICER_ID) == []


async def test_a_photo_caption_is_taken_as_the_question(harness: BotHarness) -> None:
    # Before: "目前只能回答文字问题" and the caption was ignored.
    await harness.feed(update(message=message(photo=PHOTO, caption=CAPTION)))
    texts = to_user(harness)
    assert translate("zh", "bot.ask.text_only") not in texts
    assert texts[0].startswith(translate("zh", "bot.ask.picture_not_read"))
    [log] = await answer_logs(harness)
    assert log.question == CAPTION and log.channel == "telegram"
    # The picture is not read, so saying so precedes whatever the caption got.
    assert len(texts[0]) > len(translate("zh", "bot.ask.picture_not_read"))


async def test_a_captioned_photo_with_an_answerable_question_gets_the_cited_answer(
    harness: BotHarness,
) -> None:
    await harness.feed(update(message=message(photo=PHOTO, caption=QUESTION)))
    [reply] = [m for m in harness.session.of(SendMessage) if m.chat_id == USER_ID]
    assert reply.text.startswith(translate("zh", "bot.ask.picture_not_read"))
    assert f"《{DOCUMENT}》" in reply.text


async def test_a_photo_in_a_group_is_answered_only_when_its_caption_mentions_the_bot(
    harness: BotHarness,
) -> None:
    await harness.feed(update(message=message(chat_id=GROUP_ID, photo=PHOTO, caption=QUESTION)))
    assert harness.session.texts() == []
    caption = f"@policydesk_bot {QUESTION}"
    mention = {"type": "mention", "offset": 0, "length": len("@policydesk_bot")}
    await harness.feed(
        update(
            message=message(
                chat_id=GROUP_ID, photo=PHOTO, caption=caption, caption_entities=[mention]
            )
        )
    )
    [reply] = harness.session.texts(GROUP_ID)
    assert f"《{DOCUMENT}》" in reply
    [log] = await answer_logs(harness)
    assert log.question == QUESTION


async def test_a_photo_without_a_caption_still_asks_for_text(harness: BotHarness) -> None:
    await harness.feed(update(message=message(photo=PHOTO)))
    assert to_user(harness) == [translate("zh", "bot.ask.text_only")]
