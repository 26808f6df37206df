"""👍 / 👎 under an answer: one vote per user per answer; a second tap changes it.

After 👎 on an answer the assistant gave, the user is offered "ask an officer"."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.best_effort import best_effort
from bot.callbacks import VoteCb
from bot.filters import user_key
from bot.keyboards import handoff_keyboard
from bot.routers.handoff import offer_handoff
from core.i18n import Translator
from knowledge.feedback import FeedbackOutcome, record_feedback
from knowledge.models import AnswerLog


async def vote(
    callback: CallbackQuery,
    callback_data: VoteCb,
    session: AsyncSession,
    t: Translator,
    bot: Bot,
) -> None:
    voter = user_key(callback.from_user.id)
    outcome = await record_feedback(session, callback_data.log_id, voter, callback_data.helpful)
    offer = None
    if not callback_data.helpful and outcome is not FeedbackOutcome.UNCHANGED:
        log_row = await session.get(AnswerLog, callback_data.log_id)
        # A not-found question is with the officers already; someone else's answer (a
        # group chat) is its asker's to hand over.
        if log_row is not None and log_row.answered and log_row.user_key == voter:
            offer = await offer_handoff(session, log_row)
    await session.commit()
    await best_effort(callback.answer(t(f"bot.feedback.{outcome.value}")))
    if offer is None:
        return
    message = callback.message if isinstance(callback.message, Message) else None
    chat_id = message.chat.id if message is not None else callback.from_user.id
    await bot.send_message(
        chat_id,
        t("bot.ask.handoff_offer"),
        reply_markup=handoff_keyboard(t, offer.id),
        reply_to_message_id=message.message_id if message is not None else None,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(vote, VoteCb.filter())
    return router
