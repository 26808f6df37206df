"""Whatever no feature handled: non-text messages, unknown commands, stale buttons.

Always included last. Groups get no reply unless the message was meant for the bot.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.commands import help_text, is_officer
from core.i18n import Translator
from core.settings import Settings


async def _meant_for_bot(message: Message, bot: Bot) -> bool:
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == (await bot.me()).id)


async def unhandled_message(message: Message, bot: Bot, t: Translator, settings: Settings) -> None:
    """Stickers, photos, voice, documents → "please send text"; unknown commands → help."""
    if not await _meant_for_bot(message, bot):
        return
    if message.text and message.text.startswith("/"):
        sender = message.from_user.id if message.from_user else None
        officer = is_officer(settings, message.chat.id, sender)
        await message.answer(help_text(t, settings.max_question_chars, officer))
    else:
        await message.answer(t("bot.ask.text_only"))


async def stale_callback(callback: CallbackQuery, t: Translator) -> None:
    """A button from an older bot version, or one whose payload no longer parses."""
    await callback.answer(t("bot.stale_button"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unhandled_message)
    router.callback_query.register(stale_callback)
    # Edits of non-text messages need no reply; registering nothing leaves them unhandled.
    return router
