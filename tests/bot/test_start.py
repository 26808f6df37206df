from aiogram.methods import SendMessage

from bot.callbacks import LanguageCb, MenuCb
from bot.commands import help_text
from core.chat_users import get_chat_user
from core.i18n import Translator, translate
from tests.bot.conftest import BotHarness
from tests.bot.updates import USER_ID, callback_update, text_update


async def test_start_greets_in_chinese_with_the_main_menu(harness: BotHarness) -> None:
    await harness.feed(text_update("/start"))
    sent = harness.last_sent()
    assert sent.chat_id == USER_ID
    assert sent.text == translate("zh", "bot.start")
    buttons = [b for row in sent.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    items = [MenuCb.unpack(b.callback_data).item for b in buttons]  # type: ignore[arg-type]
    assert items == ["ask", "benefits", "events", "subscriptions", "language"]


async def test_language_choice_is_remembered(harness: BotHarness) -> None:
    await harness.feed(callback_update(LanguageCb(locale="en").pack()))
    async with harness.runtime.sessions() as session:
        row = await get_chat_user(session, USER_ID)
        assert row is not None and row.locale == "en"
    harness.session.clear()
    await harness.feed(text_update("/help"))
    assert harness.last_sent().text == help_text(Translator("en"), 500)


async def test_english_client_gets_english_until_it_chooses_otherwise(
    harness: BotHarness,
) -> None:
    await harness.feed(text_update("/start", language_code="en-GB"))
    assert harness.last_sent().text == translate("en", "bot.start")
    await harness.feed(callback_update(LanguageCb(locale="zh").pack()))
    harness.session.clear()
    await harness.feed(text_update("/start", language_code="en-GB"))
    assert harness.last_sent().text == translate("zh", "bot.start")


async def test_menu_buttons_answer_the_callback_and_reply(harness: BotHarness) -> None:
    for item, key in [("ask", "bot.ask.prompt"), ("events", "bot.events.none")]:
        harness.session.clear()
        await harness.feed(callback_update(MenuCb(item=item).pack()))
        assert harness.session.texts() == [translate("zh", key)]
        assert len(harness.session.of(SendMessage)) == 1
