"""👍 / 👎 under an answer: one vote per user per answer; a second tap changes it."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import VoteCb
from bot.filters import user_key
from core.i18n import Translator
from knowledge.feedback import record_feedback


async def vote(
    callback: CallbackQuery, callback_data: VoteCb, session: AsyncSession, t: Translator
) -> None:
    outcome = await record_feedback(
        session, callback_data.log_id, user_key(callback.from_user.id), callback_data.helpful
    )
    await session.commit()
    await callback.answer(t(f"bot.feedback.{outcome.value}"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(vote, VoteCb.filter())
    return router
