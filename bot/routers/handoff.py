"""The "ask an officer" button under a not-found answer: tie the open question to this chat, so that
the officer's answer comes back here."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import HandoffCb
from bot.filters import user_key
from core.i18n import Translator
from knowledge.open_questions import attach_chat


def _without_handoff(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    if markup is None:
        return None
    prefix = HandoffCb.__prefix__ + HandoffCb.__separator__
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(prefix)]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


async def handoff(
    callback: CallbackQuery, callback_data: HandoffCb, session: AsyncSession, t: Translator
) -> None:
    """Idempotent: a double tap ties the same chat again and shows the same notice."""
    message = callback.message if isinstance(callback.message, Message) else None
    chat_id = message.chat.id if message is not None else callback.from_user.id
    await attach_chat(
        session,
        callback_data.question_id,
        "telegram",
        chat_id,
        user_key=user_key(callback.from_user.id),
    )
    await session.commit()
    await callback.answer(t("bot.ask.handoff_done"), show_alert=True)
    if message is not None:
        # "message is not modified" on a double tap is expected and harmless.
        with suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=_without_handoff(message.reply_markup))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(handoff, HandoffCb.filter())
    return router
