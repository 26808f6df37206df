"""Questions for officers from the bot.

A question the assistant could not answer waits for an officer from the start: it is tied to
the asking chat and the officers' chats hear of it (``tell_officers``). After 👎 on an answer
the user is offered "ask an officer" (``offer_handoff``); tapping it ties the question to this
chat, so that the officer's answer comes back here, and tells the officers."""

from __future__ import annotations

import logging

from aiogram import Bot, Router, html
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.best_effort import best_effort
from bot.callbacks import HandoffCb
from bot.filters import user_key
from core.i18n import DEFAULT_LOCALE, Translator, translate
from core.settings import Settings
from events.queries import last_contact_of_chat
from knowledge.models import AnswerLog, OpenQuestion
from knowledge.open_questions import attach_chat, question_for

log = logging.getLogger(__name__)

# An answered question whose asker was offered "ask an officer" after 👎: kept out of the
# officers' queue ("open") until the asker taps the button.
OFFERED = "offered"


async def offer_handoff(session: AsyncSession, log_row: AnswerLog) -> OpenQuestion | None:
    """The question to offer "ask an officer" for, after 👎 on this answer; None when there
    is nothing to offer (the question is already with an officer, or answered by one)."""
    question = await question_for(session, log_row, status=OFFERED)
    return question if question.status == OFFERED else None


def _is_handoff(button: InlineKeyboardButton) -> bool:
    return (button.callback_data or "").startswith(HandoffCb.__prefix__ + HandoffCb.__separator__)


def _without_handoff(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    if markup is None:
        return None
    rows = [[b for b in row if not _is_handoff(b)] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def handoff(
    callback: CallbackQuery,
    callback_data: HandoffCb,
    session: AsyncSession,
    t: Translator,
    bot: Bot,
    settings: Settings,
) -> None:
    """Idempotent: a double tap ties the same chat again and shows the same notice."""
    message = callback.message if isinstance(callback.message, Message) else None
    chat_id = message.chat.id if message is not None else callback.from_user.id
    question = await attach_chat(
        session,
        callback_data.question_id,
        "telegram",
        chat_id,
        user_key=user_key(callback.from_user.id),
    )
    if question.status == OFFERED:
        question.status = "open"  # now in the officers' queue
    await session.commit()
    await best_effort(callback.answer(t("bot.ask.handoff_done"), show_alert=True))
    if message is None:
        return
    # A double tap finds the button already gone: tell the officers only once.
    markup = message.reply_markup
    if markup is None or not any(_is_handoff(b) for r in markup.inline_keyboard for b in r):
        return
    # Taking the used button away is cosmetic: the officers are told whatever Telegram says.
    await best_effort(message.edit_reply_markup(reply_markup=_without_handoff(markup)))
    asker = await describe_asker(session, callback.from_user, chat_id)
    await tell_officers(bot, settings, question.id, question.question, asker)


async def describe_asker(session: AsyncSession, user: User | None, chat_id: int) -> str:
    """Who asked, for the officers (Telegram HTML, escaped): the name and @username, and
    the company this chat last signed up for an event with, when there is one."""
    if user is None:
        who = html.quote(str(chat_id))
    else:
        who = html.quote(user.full_name)
        if user.username:
            who += f" @{html.quote(user.username)}"
    contact = await last_contact_of_chat(session, chat_id)
    if contact is None:
        return translate(DEFAULT_LOCALE, "bot.officer.asker", who=who)
    company = html.quote(contact.company.name)
    return translate(DEFAULT_LOCALE, "bot.officer.asker_company", who=who, company=company)


async def tell_officers(
    bot: Bot, settings: Settings, question_id: int, text: str, asker: str
) -> None:
    """Officers' chats hear of the question, who asked it (``describe_asker``) and the
    /answer command to reply with."""
    notice = translate(
        DEFAULT_LOCALE,
        "bot.officer.new_question",
        id=question_id,
        asker=asker,
        question=html.quote(text),
    )
    for chat_id in settings.admin_chat_ids:
        try:
            await bot.send_message(chat_id, notice)
        except TelegramAPIError:
            log.warning("officer chat %s did not receive question %s", chat_id, question_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(handoff, HandoffCb.filter())
    return router
