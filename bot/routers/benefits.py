"""/benefits and the main menu's benefits button: a few questions, then the subsidies and
rewards that fit the company, each with its reason, its clause and a next step.

Answers are stored per chat as they come (``benefits.conversation``), so the buttons work
across restarts and replicas. The question last asked is noted in the FSM storage under a
destiny of its own (``DESTINY``), so that a typed answer ("14", "10+", "是") answers it;
any other text falls through to question answering. The questionnaire is not a form: it
holds no unsaved input, and a command or menu tap in the middle of it needs no notice
(``bot.leave_form`` looks at the default destiny only). The company profile from event
registration is used when the chat has one.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from benefits import conversation
from benefits.next_steps import open_events
from benefits.profiles import company_facts, forget, profile_of
from benefits.reasons import Locale
from benefits.service import match_profile
from bot.best_effort import best_effort
from bot.callbacks import BenefitActionCb, BenefitCb, MenuCb
from bot.render_benefits import Results, again_keyboard, question_keyboard, results
from core.i18n import Translator

Reply = list[tuple[str, InlineKeyboardMarkup | None]]


DESTINY = "benefits"  # data: {"fact": the fact asked last}


def _asked(storage: BaseStorage, bot: Bot, chat_id: int, user_id: int | None) -> FSMContext:
    key = StorageKey(bot.id, chat_id, user_id or chat_id, destiny=DESTINY)
    return FSMContext(storage, key)


def _sender(message: Message) -> int | None:
    return message.from_user.id if message.from_user is not None else None


def _locale(t: Translator) -> Locale:
    return "en" if t.locale == "en" else "zh"


async def _next(
    session: AsyncSession, chat_id: int, t: Translator, state: FSMContext, reply: Reply
) -> Reply:
    """Append the next question, or the results when no question is left."""
    question = await conversation.next_question(session, chat_id, _locale(t))
    if question is not None:
        await state.set_data({"fact": question.fact})
        return [*reply, (question.text, question_keyboard(t, question))]
    await state.clear()
    shown = await _results(session, chat_id, t)
    return [*reply, (shown.text, shown.keyboard)]


async def _results(session: AsyncSession, chat_id: int, t: Translator) -> Results:
    profile = await profile_of(session, chat_id)
    result = await match_profile(session, profile, _locale(t))
    kinds = [k for item in result.eligible for k in item.event_kinds]
    return results(t, result, await open_events(session, kinds))


async def _send(
    target: Message | MaybeInaccessibleMessageUnion, session: AsyncSession, reply: Reply
) -> None:
    await session.commit()  # no database lock is held while talking to Telegram
    for text, markup in reply:
        await target.answer(text, reply_markup=markup)


async def _begin(session: AsyncSession, chat_id: int, t: Translator, state: FSMContext) -> Reply:
    await conversation.begin(session, chat_id, _locale(t))
    known = bool(await company_facts(session, chat_id))
    intro = t("bot.benefits.using_registration" if known else "bot.benefits.intro")
    return await _next(session, chat_id, t, state, [(intro, None)])


async def benefits_cmd(
    message: Message, session: AsyncSession, t: Translator, bot: Bot, fsm_storage: BaseStorage
) -> None:
    chat_id = message.chat.id
    state = _asked(fsm_storage, bot, chat_id, _sender(message))
    await _send(message, session, await _begin(session, chat_id, t, state))


async def menu_benefits(
    callback: CallbackQuery,
    session: AsyncSession,
    t: Translator,
    bot: Bot,
    fsm_storage: BaseStorage,
) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        chat_id = callback.message.chat.id
        state = _asked(fsm_storage, bot, chat_id, callback.from_user.id)
        reply = await _begin(session, chat_id, t, state)
        await _send(callback.message, session, reply)


async def on_answer(
    callback: CallbackQuery,
    callback_data: BenefitCb,
    session: AsyncSession,
    t: Translator,
    bot: Bot,
    fsm_storage: BaseStorage,
) -> None:
    await best_effort(callback.answer())
    if callback.message is None:
        return
    chat_id = callback.message.chat.id
    state = _asked(fsm_storage, bot, chat_id, callback.from_user.id)
    await conversation.answer(session, chat_id, callback_data.fact, callback_data.choice)
    await _send(callback.message, session, await _next(session, chat_id, t, state, []))


async def on_typed(
    message: Message, session: AsyncSession, t: Translator, bot: Bot, fsm_storage: BaseStorage
) -> None:
    """A typed answer to the question asked last; other text is not ours (a question)."""
    state = _asked(fsm_storage, bot, message.chat.id, _sender(message))
    fact = (await state.get_data()).get("fact")
    text = message.text or ""
    if not isinstance(fact, str) or not await conversation.answer_typed(
        session, message.chat.id, fact, text
    ):
        raise SkipHandler
    await _send(message, session, await _next(session, message.chat.id, t, state, []))


async def on_action(
    callback: CallbackQuery,
    callback_data: BenefitActionCb,
    session: AsyncSession,
    t: Translator,
    bot: Bot,
    fsm_storage: BaseStorage,
) -> None:
    await best_effort(callback.answer())
    if callback.message is None:
        return
    chat_id = callback.message.chat.id
    state = _asked(fsm_storage, bot, chat_id, callback.from_user.id)
    if callback_data.action == "again":
        await forget(session, chat_id)
        reply = await _begin(session, chat_id, t, state)
    elif callback_data.action == "more":
        # The answers may have changed since the first page: then there may be no rest.
        more = (await _results(session, chat_id, t)).more or [t("bot.benefits.none")]
        reply = [
            (text, again_keyboard(t) if i == len(more) - 1 else None) for i, text in enumerate(more)
        ]
    else:
        await state.clear()
        shown = await _results(session, chat_id, t)
        reply = [(shown.text, shown.keyboard)]
    await _send(callback.message, session, reply)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(benefits_cmd, Command("benefits"))
    router.message.register(on_typed, F.text, ~F.text.startswith("/"))
    router.callback_query.register(menu_benefits, MenuCb.filter(F.item == "benefits"))
    router.callback_query.register(on_answer, BenefitCb.filter())
    router.callback_query.register(
        on_action, BenefitActionCb.filter(F.action.in_({"results", "again", "more"}))
    )
    return router
