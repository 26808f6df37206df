"""Officers watch and steer campaigns in the bot: ``/campaigns`` lists the recent ones
with their figures; buttons open a progress view (kept current while sending) and pause,
resume or cancel a campaign when its status allows, with a clear refusal otherwise.

Only chats in ``POLICYDESK_ADMIN_CHAT_IDS`` reach these handlers.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import campaign_views as views
from bot.best_effort import best_effort
from bot.callbacks import CampaignCb
from bot.campaign_progress import live_progress
from bot.filters import IsOfficer
from bot.signup_form import AnyMessage
from campaigns import service
from campaigns.models import CampaignStatus
from core.errors import Conflict
from core.i18n import Translator
from events.service import valid_id
from policydesk.runtime import Runtime

ACTIONS = {
    "pause": service.pause_campaign,
    "resume": service.resume_campaign,
    "cancel": service.cancel_campaign,
}


async def list_campaigns(message: Message, session: AsyncSession, t: Translator) -> None:
    rows = await service.recent_campaigns(session, limit=views.LISTED)
    await session.commit()
    text, markup = views.campaign_list(t, rows)
    await message.answer(text, reply_markup=markup)


async def show_progress(
    target: AnyMessage,
    campaign_id: int,
    session: AsyncSession,
    runtime: Runtime,
    bot: Bot,
    dispatcher: Dispatcher,
    t: Translator,
) -> None:
    """Send the progress view; while the campaign sends, keep that message current."""
    campaign = await service.get_campaign(session, campaign_id)
    stats = await service.campaign_stats(session, campaign)
    await session.commit()
    text, markup = views.progress(t, campaign, stats)
    sent = await bot.send_message(target.chat.id, text, reply_markup=markup)
    if campaign.status == CampaignStatus.SENDING:
        live_progress(dispatcher).watch(
            bot, runtime.sessions, t, sent.chat.id, sent.message_id, campaign.id
        )


async def progress(
    callback: CallbackQuery,
    callback_data: CampaignCb,
    session: AsyncSession,
    runtime: Runtime,
    bot: Bot,
    dispatcher: Dispatcher,
    t: Translator,
) -> None:
    await best_effort(callback.answer())
    if callback.message is not None and valid_id(callback_data.campaign_id):
        await show_progress(
            callback.message, callback_data.campaign_id, session, runtime, bot, dispatcher, t
        )


async def act(
    callback: CallbackQuery,
    callback_data: CampaignCb,
    session: AsyncSession,
    runtime: Runtime,
    bot: Bot,
    dispatcher: Dispatcher,
    t: Translator,
) -> None:
    """Pause, resume or cancel; refused (with the current status) when not allowed now."""
    action, campaign_id = callback_data.action, callback_data.campaign_id
    if not valid_id(campaign_id):
        await callback.answer(t("bot.stale_button"))
        return
    try:
        campaign = await ACTIONS[action](session, campaign_id)
    except Conflict:
        await session.rollback()
        current = await service.get_campaign(session, campaign_id)
        await session.commit()
        await callback.answer(
            t(
                "bot.campaigns.refused",
                id=campaign_id,
                status=views.status_name(t, current.status),
                action=t(f"bot.campaigns.act.{action}"),
            ),
            show_alert=True,
        )
        return
    await session.commit()
    await best_effort(callback.answer(t(f"bot.campaigns.done.{action}", id=campaign.id)))
    if callback.message is not None:
        await show_progress(callback.message, campaign.id, session, runtime, bot, dispatcher, t)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IsOfficer())
    router.callback_query.filter(IsOfficer())
    router.message.register(list_campaigns, Command("campaigns"))
    router.callback_query.register(progress, CampaignCb.filter(F.action == "progress"))
    router.callback_query.register(act, CampaignCb.filter(F.action.in_(set(ACTIONS))))
    return router
