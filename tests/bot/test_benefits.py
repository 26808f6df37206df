"""/benefits: the few questions, answered by buttons, then the benefits with their clauses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime

import pytest
from aiogram import html
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup

from benefits.conversation import MAX_QUESTIONS
from benefits.profiles import profile_of, stored_facts
from benefits.service import BenefitItem, MatchResult, match_profile
from bot.callbacks import BenefitActionCb, BenefitCb, EventCb, MenuCb
from bot.factory import create_bot, create_dispatcher
from bot.render import telegram_len
from bot.render_benefits import MAX_FIRST, RESULT_LIMIT, results
from core.i18n import Translator, translate
from policydesk.runtime import Runtime
from tests.benefits.helpers import add_subscriber
from tests.bot.conftest import BotHarness, sent_as_incoming
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import USER_ID, callback_update, text_update
from tests.events.factories import event_in
from tests.events.helpers import new_event


@pytest.fixture
async def harness(bot_runtime: Runtime) -> AsyncIterator[BotHarness]:
    """The bot harness with a roomy flood limit: a questionnaire is many quick taps, and
    flood control is not what these tests are about."""
    session = RecordingSession()
    bot = create_bot(bot_runtime.settings, session=session)
    dispatcher = create_dispatcher(bot_runtime, flood_limit=1000)
    yield BotHarness(bot_runtime, bot, dispatcher, session)
    await dispatcher.storage.close()


def buttons(sent: SendMessage) -> list[str]:
    markup = sent.reply_markup
    assert markup is not None
    return [b.callback_data for row in markup.inline_keyboard for b in row]  # type: ignore[union-attr,misc]


def answers(sent: SendMessage) -> list[BenefitCb]:
    return [BenefitCb.unpack(d) for d in buttons(sent) if d.startswith("bf1:")]


async def test_questions_then_results_with_clauses(harness: BotHarness) -> None:
    await harness.feed(text_update("/benefits"))
    intro, question = harness.session.of(SendMessage)
    assert intro.text == translate("zh", "bot.benefits.intro")
    asked: list[str] = []
    while answers(question):
        choices = answers(question)
        fact = choices[0].fact
        assert fact not in asked
        asked.append(fact)
        assert choices[-1].choice == -1  # "not sure" is always offered
        # Yes / the first listed value / a count of 0 / national level.
        await harness.feed(
            callback_update(choices[0].pack(), message_body=sent_as_incoming(question))
        )
        question = harness.last_sent()
    assert 1 <= len(asked) <= MAX_QUESTIONS
    results = [m.text for m in harness.session.of(SendMessage)[len(asked) + 1 :]]
    text = "\n".join(results)
    assert translate("zh", "bot.benefits.eligible_header", count="")[:10] in text
    assert "<blockquote>" in text and "《焦作市国家知识产权试点城市建设实施方案》" in text
    assert BenefitActionCb(action="again").pack() in buttons(harness.last_sent())
    async with harness.runtime.sessions() as session:
        facts = await stored_facts(session, USER_ID)
    assert set(facts) == set(asked)


async def test_not_sure_moves_on_and_results_come_on_request(harness: BotHarness) -> None:
    await harness.feed(callback_update(MenuCb(item="benefits").pack()))
    first = harness.last_sent()
    not_sure = answers(first)[-1]
    await harness.feed(callback_update(not_sure.pack(), message_body=sent_as_incoming(first)))
    second = harness.last_sent()
    assert answers(second)[0].fact != not_sure.fact
    harness.session.clear()
    await harness.feed(callback_update(BenefitActionCb(action="results").pack()))
    text = "\n".join(m.text for m in harness.session.of(SendMessage))
    assert translate("zh", "bot.benefits.none_fit") in text  # nothing is certain yet
    assert translate("zh", "bot.benefits.more_hint", count="")[:2] in text
    async with harness.runtime.sessions() as session:
        assert not_sure.fact not in await stored_facts(session, USER_ID)


async def test_known_facts_are_not_asked_again(harness: BotHarness) -> None:
    await add_subscriber(harness.runtime, USER_ID, above_designated_size=True, has_patents=False)
    await harness.feed(text_update("/benefits"))
    asked = []
    question = harness.last_sent()
    while answers(question):
        asked.append(answers(question)[0].fact)
        await harness.feed(callback_update(answers(question)[0].pack()))
        question = harness.last_sent()
    assert not {"above_designated_size", "granted_patents", "invention_patents"} & set(asked)


def test_results_escape_every_text() -> None:
    item = BenefitItem(
        id="x",
        title="<b>奖励</b>",
        benefit="",
        status="potential",
        reason="a & b",
        document="《<i>》",
        section="一、<a>",
        quote="<script>",
        next_step="<u>step</u>",
    )
    shown = results(Translator("zh"), MatchResult([item], [item]), {})
    for message in [shown.text, *shown.more]:
        for raw in ("<b>奖励</b>", "<script>", "<u>", "<a>", "<i>》"):
            assert raw not in message
    assert "&lt;script&gt;" in shown.text and "a &amp; b" in shown.text
    assert "&lt;u&gt;step&lt;/u&gt;" in shown.more[0]


# --- walking the questionnaire as a user does ------------------------------------------


def labelled(sent: SendMessage) -> dict[str, str]:
    """Button text → callback data."""
    markup = sent.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row}


async def walk(
    harness: BotHarness, replies: Mapping[str, str], *, typed: Mapping[str, str] = {}
) -> list[str]:
    """Answer /benefits: a fact in ``typed`` by typing the text, one in ``replies`` by the
    button with that label, any other fact with "not sure". The facts asked, in order."""
    await harness.feed(text_update("/benefits"))
    asked: list[str] = []
    question = harness.last_sent()
    while answers(question):
        fact = answers(question)[0].fact
        assert fact not in asked
        asked.append(fact)
        if fact in typed:
            await harness.feed(text_update(typed[fact]))
        else:
            label = replies.get(fact, translate("zh", "bot.benefits.not_sure"))
            data = labelled(question)[label]
            await harness.feed(callback_update(data, message_body=sent_as_incoming(question)))
        question = harness.last_sent()
    return asked


def pending_items(text: str) -> list[str]:
    """What the results say is still to be confirmed ("尚需确认:…"), item by item."""
    marker = "尚需确认"
    return [line.split(marker, 1)[1] for line in text.splitlines() if marker in line]


async def tap_more(harness: BotHarness) -> list[str]:
    first = harness.last_sent()
    more = labelled(first)
    (data,) = [d for d in more.values() if d == BenefitActionCb(action="more").pack()]
    harness.session.clear()
    await harness.feed(callback_update(data, message_body=sent_as_incoming(first)))
    return [m.text for m in harness.session.of(SendMessage)]


NO_PATENTS = {"patent_applications": "0", "granted_patents": "0"}


async def test_no_patents_means_no_invention_patents_and_no_such_pending_item(
    harness: BotHarness,
) -> None:
    """Issue 17, item 6: after "0 patents, 0 applications" the bot still asked about
    invention patents and listed "尚需确认:授权发明专利至少1件"."""
    asked = await walk(harness, NO_PATENTS)
    assert {"patent_applications", "granted_patents"} & set(asked)
    assert "invention_patents" not in asked
    texts = [harness.last_sent().text, *await tap_more(harness)]
    pending = [item for text in texts for item in pending_items(text)]
    assert pending  # other facts were left "not sure"
    assert not [item for item in pending if "授权发明专利" in item]


async def test_a_typed_count_is_kept_as_typed(harness: BotHarness) -> None:
    """Issue 17, item 6: "14" typed at a count question was refused (or taken as "10")."""
    asked = await walk(harness, {}, typed={"granted_patents": "14", "patent_applications": "20"})
    assert "granted_patents" in asked
    async with harness.runtime.sessions() as session:
        facts = await stored_facts(session, USER_ID)
    assert facts["granted_patents"] == 14
    # A typed answer is no question: nothing went to the officers.
    officer_texts = [m.text for m in harness.session.of(SendMessage) if m.chat_id != USER_ID]
    assert not officer_texts


async def test_count_buttons_end_with_ten_or_more(harness: BotHarness) -> None:
    await harness.feed(text_update("/benefits"))
    question = harness.last_sent()
    while answers(question)[0].fact != "granted_patents":
        await harness.feed(callback_update(answers(question)[-1].pack()))  # not sure
        question = harness.last_sent()
    assert list(labelled(question))[:6] == ["0", "1", "2", "3", "5", "10+"]
    await harness.feed(callback_update(labelled(question)["10+"]))
    async with harness.runtime.sessions() as session:
        assert (await stored_facts(session, USER_ID))["granted_patents"] == 10


async def test_other_text_at_a_question_is_still_a_question(harness: BotHarness) -> None:
    await harness.feed(text_update("/benefits"))
    question = harness.last_sent()
    harness.session.clear()
    await harness.feed(text_update("专利质押贷款怎么申请？"))
    assert harness.session.of(SendMessage)
    assert not answers(harness.last_sent()) or harness.last_sent().text != question.text
    async with harness.runtime.sessions() as session:
        assert answers(question)[0].fact not in await stored_facts(session, USER_ID)


EVERYTHING = {
    "patent_applications": "10+",
    "granted_patents": "10+",
    "invention_patents": "10+",
    "software_copyrights": "10+",
    "above_designated_size": "是",
    "famous_trademark": "是",
    "gbt29490_certified": "是",
    "demonstration_level": "省级",
    "pilot_unit": "是",
    "has_financing_need": "是",
    "high_tech": "是",
    "has_service_inventions": "是",
    "industry": "新能源",
}


async def test_results_are_short_with_next_steps_and_the_rest_behind_more(
    harness: BotHarness,
) -> None:
    """Issue 17, item 6: one result ran to ~2,700 characters."""
    now = datetime.now(UTC)  # the events' clock: open for sign-up from now on
    training = await new_event(harness.runtime.sessions, event_in(kind="training", now=now))
    await walk(harness, EVERYTHING)
    first = harness.last_sent()
    assert telegram_len(first.text) <= RESULT_LIMIT
    assert translate("zh", "bot.benefits.eligible_header", count="")[:8] in first.text
    buttons_ = labelled(first)
    assert EventCb(action="show", event_id=training.id).pack() in buttons_.values()
    assert translate("zh", "bot.benefits.step_contact") in first.text
    more = await tap_more(harness)
    assert more and all(telegram_len(text) <= RESULT_LIMIT for text in more)
    shown = "\n".join([first.text, *more])
    async with harness.runtime.sessions() as session:
        result = await match_profile(session, await profile_of(session, USER_ID))
    assert len(result.eligible) > MAX_FIRST
    for item in [*result.eligible, *result.potential]:
        assert html.quote(item.title) in shown


async def test_rules_that_grant_the_company_nothing_are_not_listed(harness: BotHarness) -> None:
    """Issue 17, item 6: 专利权作价入股 and 科技奖项推荐的发明专利条件 were listed as benefits."""
    await walk(harness, EVERYTHING)
    shown = "\n".join([harness.last_sent().text, *await tap_more(harness)])
    assert "专利申请资助" in shown
    for title in ("专利权作价入股", "科技奖项推荐的发明专利条件", "一奖两酬", "发明人奖励"):
        assert title not in shown
