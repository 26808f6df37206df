"""Officers (``POLICYDESK_ADMIN_CHAT_IDS``) answer open questions from Telegram:
``/answer ID text``. The answer goes into the outbox with it, for the asker in the chat
the question came from (Telegram or the web chat); the officer is told whether it can
reach them. ``/answer`` to a question already answered sends a follow-up the same way
(recorded after the earlier answer); the same text twice is not sent again."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import IsOfficer, user_key
from core.errors import Conflict
from core.i18n import Translator
from knowledge.models import OpenQuestion
from knowledge.open_questions import answer_open_question, reachable
from policydesk.runtime import Runtime


async def answer(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        await message.answer(t("bot.officer.usage"))
        return
    question_id, text = int(parts[0]), parts[1]
    officer = user_key(message.from_user.id if message.from_user else message.chat.id)
    earlier = await session.get(OpenQuestion, question_id)
    follow_up = earlier is not None and earlier.status == "answered"
    try:
        row = await answer_open_question(
            session, runtime.outbox, question_id, text, officer, follow_up=True
        )
    except Conflict:
        await message.answer(t("bot.officer.repeated", id=question_id))
        return
    await session.commit()
    # As the admin UI counts them: an asker with a chat on a channel.
    reached = int(reachable(row))
    if reached:
        key = "bot.officer.follow_up_sent" if follow_up else "bot.officer.sent"
        await message.answer(t(key, id=question_id, count=reached))
    else:
        await message.answer(t("bot.officer.unreachable", id=question_id))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(answer, Command("answer"), IsOfficer())
    return router
