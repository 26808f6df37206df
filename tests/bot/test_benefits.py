"""/benefits: the few questions, answered by buttons, then the benefits with their clauses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.methods import SendMessage

from benefits.conversation import MAX_QUESTIONS
from benefits.profiles import stored_facts
from benefits.service import BenefitItem, MatchResult
from bot.callbacks import BenefitActionCb, BenefitCb, MenuCb
from bot.factory import create_bot, create_dispatcher
from bot.notify import register_telegram_sender
from bot.render_benefits import results_messages
from core.i18n import Translator, translate
from policydesk.runtime import Runtime
from tests.benefits.helpers import add_subscriber
from tests.bot.conftest import BotHarness, sent_as_incoming
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import USER_ID, callback_update, text_update


@pytest.fixture
async def harness(bot_runtime: Runtime) -> AsyncIterator[BotHarness]:
    """The bot harness with a roomy flood limit: a questionnaire is many quick taps, and
    flood control is not what these tests are about."""
    session = RecordingSession()
    bot = create_bot(bot_runtime.settings, session=session)
    register_telegram_sender(bot_runtime, bot)
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
    assert translate("zh", "bot.benefits.potential_header", count="")[:8] in text
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
    (message,) = results_messages(Translator("zh"), MatchResult([], [item]))
    for raw in ("<b>奖励</b>", "<script>", "<u>", "<a>", "<i>》"):
        assert raw not in message
    assert "&lt;script&gt;" in message and "a &amp; b" in message
