"""/subscribe, /unsubscribe, the subscriptions menu, and noticing that we were blocked."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.filters import Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.best_effort import best_effort
from bot.callbacks import MenuCb, SubscriptionCb
from bot.keyboards import subscription_keyboard
from campaigns.subscribers import mark_blocked, subscribe, unsubscribe
from core.chat_users import mark_blocked as mark_user_blocked
from core.i18n import Translator


async def _set(session: AsyncSession, chat_id: int, on: bool, t: Translator) -> str:
    if on:
        await subscribe(session, chat_id, locale=t.locale)
        await session.commit()
        return t("bot.subscriptions.subscribed")
    changed = await unsubscribe(session, chat_id)
    await session.commit()
    return t("bot.subscriptions.unsubscribed" if changed else "bot.subscriptions.not_subscribed")


async def subscribe_cmd(message: Message, session: AsyncSession, t: Translator) -> None:
    await message.answer(await _set(session, message.chat.id, True, t))


async def unsubscribe_cmd(message: Message, session: AsyncSession, t: Translator) -> None:
    await message.answer(await _set(session, message.chat.id, False, t))


async def menu_subscriptions(callback: CallbackQuery, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await callback.message.answer(
            t("bot.subscriptions.prompt"), reply_markup=subscription_keyboard(t)
        )


async def toggle(
    callback: CallbackQuery, callback_data: SubscriptionCb, session: AsyncSession, t: Translator
) -> None:
    """One tap, effective immediately; tapping twice says the same thing twice."""
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    text = await _set(session, chat_id, callback_data.subscribe, t)
    await callback.answer(text, show_alert=True)


async def bot_blocked(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """The user blocked the bot (or removed it from a group): never message them again."""
    await mark_blocked(session, event.chat.id)
    await mark_user_blocked(session, event.from_user.id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(subscribe_cmd, Command("subscribe"))
    router.message.register(unsubscribe_cmd, Command("unsubscribe"))
    router.callback_query.register(menu_subscriptions, MenuCb.filter(F.item == "subscriptions"))
    router.callback_query.register(toggle, SubscriptionCb.filter())
    router.my_chat_member.register(
        bot_blocked,
        F.new_chat_member.status.in_({ChatMemberStatus.KICKED, ChatMemberStatus.LEFT}),
    )
    return router
