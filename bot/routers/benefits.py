"""/benefits and the main menu's benefits button: a few questions, then the subsidies and
rewards that fit the company, each with its reason and its clause.

Answers are stored per chat as they come (``benefits.conversation``), so the buttons work
across restarts and replicas without FSM state. The company profile from event
registration is used when the chat has one.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from benefits import conversation
from benefits.profiles import company_facts, forget, profile_of
from benefits.reasons import Locale
from benefits.service import match_profile
from bot.best_effort import best_effort
from bot.callbacks import BenefitActionCb, BenefitCb, MenuCb
from bot.render_benefits import again_keyboard, question_keyboard, results_messages
from core.i18n import Translator

Reply = list[tuple[str, InlineKeyboardMarkup | None]]


def _locale(t: Translator) -> Locale:
    return "en" if t.locale == "en" else "zh"


async def _next(session: AsyncSession, chat_id: int, t: Translator, reply: Reply) -> Reply:
    """Append the next question, or the results when no question is left."""
    question = await conversation.next_question(session, chat_id, _locale(t))
    if question is not None:
        return [*reply, (question.text, question_keyboard(t, question))]
    return [*reply, *await _results(session, chat_id, t)]


async def _results(session: AsyncSession, chat_id: int, t: Translator) -> Reply:
    profile = await profile_of(session, chat_id)
    result = await match_profile(session, profile, _locale(t))
    messages = results_messages(t, result)
    return [
        (text, again_keyboard(t) if i == len(messages) - 1 else None)
        for i, text in enumerate(messages)
    ]


async def _send(
    target: Message | MaybeInaccessibleMessageUnion, session: AsyncSession, reply: Reply
) -> None:
    await session.commit()  # no database lock is held while talking to Telegram
    for text, markup in reply:
        await target.answer(text, reply_markup=markup)


async def _begin(session: AsyncSession, chat_id: int, t: Translator) -> Reply:
    await conversation.begin(session, chat_id, _locale(t))
    known = bool(await company_facts(session, chat_id))
    intro = t("bot.benefits.using_registration" if known else "bot.benefits.intro")
    return await _next(session, chat_id, t, [(intro, None)])


async def benefits_cmd(message: Message, session: AsyncSession, t: Translator) -> None:
    await _send(message, session, await _begin(session, message.chat.id, t))


async def menu_benefits(callback: CallbackQuery, session: AsyncSession, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        reply = await _begin(session, callback.message.chat.id, t)
        await _send(callback.message, session, reply)


async def on_answer(
    callback: CallbackQuery, callback_data: BenefitCb, session: AsyncSession, t: Translator
) -> None:
    await best_effort(callback.answer())
    if callback.message is None:
        return
    chat_id = callback.message.chat.id
    await conversation.answer(session, chat_id, callback_data.fact, callback_data.choice)
    await _send(callback.message, session, await _next(session, chat_id, t, []))


async def on_action(
    callback: CallbackQuery, callback_data: BenefitActionCb, session: AsyncSession, t: Translator
) -> None:
    await best_effort(callback.answer())
    if callback.message is None:
        return
    chat_id = callback.message.chat.id
    if callback_data.action == "again":
        await forget(session, chat_id)
        reply = await _begin(session, chat_id, t)
    else:
        reply = await _results(session, chat_id, t)
    await _send(callback.message, session, reply)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(benefits_cmd, Command("benefits"))
    router.callback_query.register(menu_benefits, MenuCb.filter(F.item == "benefits"))
    router.callback_query.register(on_answer, BenefitCb.filter())
    router.callback_query.register(
        on_action, BenefitActionCb.filter(F.action.in_({"results", "again"}))
    )
    return router
