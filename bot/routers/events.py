"""Events: /events and the menu button list upcoming events; details; "my registrations"
with a cancel button. The sign-up form lives in ``event_signup``."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import event_views as views
from bot.best_effort import best_effort
from bot.callbacks import EventCb, MenuCb, MyRegCb
from bot.routers import event_financing, event_signup
from core.i18n import Translator
from events.queries import own_registration, registrations_of_chat
from events.registration import cancel_registration
from events.seats import seat_counts
from events.service import get_public_event, list_public_events
from policydesk.runtime import Runtime

# A callback's message may be too old to be accessible; it can still be answered.
AnyMessage = Message | InaccessibleMessage


async def _send_list(message: AnyMessage, session: AsyncSession, t: Translator) -> None:
    """The upcoming events, those this chat is signed up for marked."""
    mine = await registrations_of_chat(session, message.chat.id)
    signed_up = {registration.event_id: registration.status for registration in mine}
    text, markup = views.event_list(t, await list_public_events(session), signed_up)
    await message.answer(text, reply_markup=markup)


async def events_cmd(message: Message, session: AsyncSession, t: Translator) -> None:
    await _send_list(message, session, t)


async def menu_events(callback: CallbackQuery, session: AsyncSession, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await _send_list(callback.message, session, t)


async def back_to_list(callback: CallbackQuery, session: AsyncSession, t: Translator) -> None:
    await menu_events(callback, session, t)


async def show_event(
    callback: CallbackQuery, callback_data: EventCb, session: AsyncSession, t: Translator
) -> None:
    await best_effort(callback.answer())
    event = await get_public_event(session, callback_data.event_id)
    counts = (await seat_counts(session, [event.id]))[event.id]
    text, markup = views.event_card(t, event, counts)
    if callback.message is not None:
        await callback.message.answer(text, reply_markup=markup)


async def _send_mine(
    message: AnyMessage, chat_id: int, session: AsyncSession, t: Translator
) -> None:
    text, markup = views.my_registrations(t, await registrations_of_chat(session, chat_id))
    await message.answer(text, reply_markup=markup)


async def my_cmd(message: Message, session: AsyncSession, t: Translator) -> None:
    await _send_mine(message, message.chat.id, session, t)


async def my_list(callback: CallbackQuery, session: AsyncSession, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await _send_mine(callback.message, callback.message.chat.id, session, t)


async def ask_cancel(
    callback: CallbackQuery, callback_data: MyRegCb, session: AsyncSession, t: Translator
) -> None:
    await best_effort(callback.answer())
    if callback.message is None:
        return
    registration = await own_registration(
        session, callback_data.registration_id, callback.message.chat.id
    )
    text, markup = views.cancel_prompt(t, registration)
    await callback.message.answer(text, reply_markup=markup)


async def do_cancel(
    callback: CallbackQuery,
    callback_data: MyRegCb,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    if callback.message is None:
        await callback.answer()
        return
    await session.commit()  # release the update's SQLite write lock before the service's
    registration = await cancel_registration(
        runtime.sessions,
        runtime.outbox,
        registration_id=callback_data.registration_id,
        chat_id=callback.message.chat.id,
    )
    await best_effort(
        callback.answer(t("bot.events.cancelled", title=registration.event.title), show_alert=True)
    )
    await _send_mine(callback.message, callback.message.chat.id, session, t)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(events_cmd, Command("events"))
    router.message.register(my_cmd, Command("my"))
    router.callback_query.register(menu_events, MenuCb.filter(F.item == "events"))
    router.callback_query.register(back_to_list, EventCb.filter(F.action == "list"))
    router.callback_query.register(show_event, EventCb.filter(F.action == "show"))
    router.callback_query.register(my_list, MyRegCb.filter(F.action == "list"))
    router.callback_query.register(ask_cancel, MyRegCb.filter(F.action == "ask"))
    router.callback_query.register(do_cancel, MyRegCb.filter(F.action == "cancel"))
    router.include_router(event_signup.create_router())
    router.include_router(event_financing.create_router())
    return router
