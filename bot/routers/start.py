"""/start, /help, /language and the main menu's ask and language buttons.

Its router is the first feature router, so it also holds the rule that a command or a
menu tap leaves any form (``bot.leave_form``): checked before every other handler."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import leave_form
from bot.best_effort import best_effort
from bot.callbacks import LanguageCb, MenuCb
from bot.commands import help_text, is_officer
from bot.keyboards import language_keyboard, main_menu
from core.chat_users import set_locale
from core.i18n import Translator
from core.settings import Settings


async def start(message: Message, t: Translator) -> None:
    await message.answer(t("bot.start"), reply_markup=main_menu(t))


async def help_(message: Message, t: Translator, settings: Settings) -> None:
    sender = message.from_user.id if message.from_user else None
    officer = is_officer(settings, message.chat.id, sender)
    await message.answer(help_text(t, settings.max_question_chars, officer))


async def language(message: Message, t: Translator) -> None:
    await message.answer(t("bot.language.prompt"), reply_markup=language_keyboard())


async def menu_ask(callback: CallbackQuery, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await callback.message.answer(t("bot.ask.prompt"))


async def menu_language(callback: CallbackQuery, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await callback.message.answer(t("bot.language.prompt"), reply_markup=language_keyboard())


async def choose_language(
    callback: CallbackQuery, callback_data: LanguageCb, session: AsyncSession
) -> None:
    await set_locale(session, callback.from_user.id, callback_data.locale)
    await session.commit()
    t = Translator(callback_data.locale)
    await best_effort(callback.answer(t("bot.language.changed")))
    if callback.message is not None:
        await callback.message.answer(t("bot.start"), reply_markup=main_menu(t))


def create_router() -> Router:
    router = Router(name=__name__)
    leave_form.register(router)  # first: before /start, /help and the menu buttons
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(language, Command("language"))
    router.callback_query.register(menu_ask, MenuCb.filter(F.item == "ask"))
    router.callback_query.register(menu_language, MenuCb.filter(F.item == "language"))
    router.callback_query.register(choose_language, LanguageCb.filter())
    return router
