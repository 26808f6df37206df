"""Events: the menu button and /events. A placeholder until event sign-up lands; the
events feature replaces this module's ``create_router`` with its own."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuCb
from core.i18n import Translator


async def events(message: Message, t: Translator) -> None:
    await message.answer(t("bot.events.coming_soon"))


async def menu_events(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(t("bot.events.coming_soon"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(events, Command("events"))
    router.callback_query.register(menu_events, MenuCb.filter(F.item == "events"))
    return router
