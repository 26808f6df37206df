"""Officers compose a publicity campaign in the bot (``/campaign``): title → text (Telegram
HTML, checked at once) → optional link button → audience (conditions combined, matched
through the companies subscribers registered; "all subscribers" clears them; event
registrants picked from a list) → time → summary and a preview
of the exact message in their own chat → confirm, edit or discard.

Only chats in ``POLICYDESK_ADMIN_CHAT_IDS`` reach these handlers; anyone else gets the
fallback's usual answers. Confirming clears the form first, and the campaign is created
under a key naming this form, so a double tap cannot create two campaigns.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import campaign_form as form
from bot import campaign_views as views
from bot.best_effort import best_effort
from bot.callbacks import CampaignFormCb
from bot.filters import IsOfficer, user_key
from bot.routers.campaigns_manage import show_progress
from bot.signup_form import AnyMessage
from campaigns import service
from campaigns.content import Draft, check_draft
from campaigns.event_targets import event_targets
from campaigns.models import CampaignStatus
from campaigns.segments import parse_segment
from campaigns.tg_html import plain_text
from core.db import utcnow
from core.errors import InvalidInput
from core.i18n import Translator
from events.notices import local_time
from policydesk.runtime import Runtime


async def start(message: Message, state: FSMContext, session: AsyncSession, t: Translator) -> None:
    await state.clear()
    await state.set_data({"draft": secrets.token_hex(6), "segment": {}})
    await message.answer(t("bot.campaigns.intro"))
    await form.ask(message, state, session, t, "title")


async def title(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    typed = (message.text or "").strip()
    if not 1 <= len(typed) <= 200:
        await message.answer(t("bot.campaigns.bad_title"))
        return
    await state.update_data(title=typed)
    await form.advance(message, state, session, bot, t, "title")


async def text(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    typed = form.markup_of(message)
    try:
        plain_text(typed)
    except InvalidInput as exc:
        await form.refuse(message, t, "bot.campaigns.bad_text", exc)
        return
    await state.update_data(text=typed)
    await form.advance(message, state, session, bot, t, "text")


async def button(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    url, _, label = (message.text or "").strip().partition(" ")
    data = await state.get_data()
    try:
        check_draft(Draft(data["title"], data["text"], button_text=label, button_url=url))
    except InvalidInput as exc:
        await form.refuse(message, t, "bot.campaigns.bad_button", exc)
        return
    await state.update_data(button_url=url, button_text=label.strip())
    await form.advance(message, state, session, bot, t, "button")


async def skip_button(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    await best_effort(callback.answer())
    await state.update_data(button_url=None, button_text=None)
    if callback.message is not None:
        await form.advance(callback.message, state, session, bot, t, "button")


async def segment_kind(
    callback: CallbackQuery,
    callback_data: CampaignFormCb,
    state: FSMContext,
    session: AsyncSession,
    t: Translator,
) -> None:
    """A tap on the audience screen: "all" clears the conditions and the screen stays (the
    officer goes on with "next"); a condition asks for its value."""
    await best_effort(callback.answer())
    target = callback.message
    kind = callback_data.value
    if target is None:
        return
    if kind == "all":
        await state.update_data(segment={}, event_title=None)
        await form.ask(target, state, session, t, "segment")
        return
    if kind not in views.SEGMENT_KINDS:
        return
    if kind == "event_id":
        await _offer_events(target, state, session, t)
        return
    await state.update_data(pending=kind)
    await state.set_state(form.CampaignForm.segment_value)
    draft = (await state.get_data())["draft"]
    if kind in views.CHOICES:
        await target.answer(
            t(f"bot.campaigns.ask.{kind}"), reply_markup=views.value_keyboard(t, draft, kind)
        )
    else:
        await target.answer(t(f"bot.campaigns.ask.{kind}"))


async def _offer_events(
    target: AnyMessage, state: FSMContext, session: AsyncSession, t: Translator
) -> None:
    """The events to choose registrants from, as buttons (none: back to the screen)."""
    events = await event_targets(session, utcnow())
    await session.commit()  # no database lock is held while talking to Telegram
    if not events:
        await target.answer(t("bot.campaigns.no_events"))
        await form.ask(target, state, session, t, "segment")
        return
    offered = {str(event.id): event.title for event in events}
    await state.update_data(pending="event_id", offered=offered)
    await state.set_state(form.CampaignForm.segment_value)
    draft = (await state.get_data())["draft"]
    await target.answer(
        t("bot.campaigns.ask.event_id"), reply_markup=views.event_keyboard(t, draft, events)
    )


async def _set_segment(
    target: AnyMessage, state: FSMContext, session: AsyncSession, t: Translator, typed: str
) -> str | None:
    """Add the pending criterion to the segment; the problem, if the value is refused."""
    data = await state.get_data()
    kind = data["pending"]
    try:
        segment = {**data.get("segment", {}), kind: views.segment_value(kind, typed)}
        parse_segment(segment)
    except InvalidInput as exc:
        return exc.explain(t.locale)
    await state.update_data(segment=segment)
    if kind == "event_id":
        await state.update_data(event_title=data.get("offered", {}).get(typed))
    await form.ask(target, state, session, t, "segment")
    return None


async def segment_typed(
    message: Message, state: FSMContext, session: AsyncSession, t: Translator
) -> None:
    data = await state.get_data()
    kind = data.get("pending")
    if kind == "event_id":  # typed where an event button was expected: the list again
        await _offer_events(message, state, session, t)
        return
    if kind in views.CHOICES:  # typed where a button was expected: offer the buttons again
        reply_markup = views.value_keyboard(t, data["draft"], kind)
        await message.answer(t(f"bot.campaigns.ask.{kind}"), reply_markup=reply_markup)
        return
    problem = await _set_segment(message, state, session, t, message.text or "")
    if problem is not None:
        await message.answer(t("bot.campaigns.bad_input", detail=html.quote(problem)))


async def segment_choice(
    callback: CallbackQuery,
    callback_data: CampaignFormCb,
    state: FSMContext,
    session: AsyncSession,
    t: Translator,
) -> None:
    """A tapped value: a choice of the pending condition, or one of the events offered."""
    await best_effort(callback.answer())
    data = await state.get_data()
    kind = data.get("pending")
    if callback.message is None:
        return
    allowed = data.get("offered", {}) if kind == "event_id" else views.CHOICES.get(kind or "", ())
    if callback_data.value in allowed:
        await _set_segment(callback.message, state, session, t, callback_data.value)


async def segment_back(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translator
) -> None:
    """Back from a condition's values to the audience screen, the segment unchanged."""
    await best_effort(callback.answer())
    if callback.message is not None:
        await form.ask(callback.message, state, session, t, "segment")


async def segment_done(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await form.advance(callback.message, state, session, bot, t, "segment")


async def schedule(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    try:
        when = views.parse_local_time(message.text or "", utcnow())
    except InvalidInput as exc:
        await form.refuse(message, t, "bot.campaigns.bad_time", exc)
        return
    await state.update_data(when=when.isoformat() if when else None)
    await form.advance(message, state, session, bot, t, "schedule")


async def send_now(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    await best_effort(callback.answer())
    await state.update_data(when=None)
    if callback.message is not None:
        await form.advance(callback.message, state, session, bot, t, "schedule")


async def edit(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    """Which part to change; the form comes back to the summary afterwards."""
    await best_effort(callback.answer())
    data = await state.get_data()
    await state.update_data(editing=True)
    if callback.message is not None:
        await callback.message.answer(
            t("bot.campaigns.ask.edit"), reply_markup=views.edit_keyboard(t, data["draft"])
        )


async def edit_field(
    callback: CallbackQuery,
    callback_data: CampaignFormCb,
    state: FSMContext,
    session: AsyncSession,
    t: Translator,
) -> None:
    await best_effort(callback.answer())
    if callback.message is not None and callback_data.value in form.ORDER:
        await form.ask(callback.message, state, session, t, callback_data.value)


async def confirm(
    callback: CallbackQuery,
    callback_data: CampaignFormCb,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    bot: Bot,
    dispatcher: Dispatcher,
    t: Translator,
) -> None:
    data = await state.get_data()
    if data.get("draft") != callback_data.draft:  # a button of an earlier form
        await callback.answer(t("bot.stale_button"))
        return
    await state.clear()  # a second tap of the same button finds no form
    await best_effort(callback.answer())
    target = callback.message
    if target is None:
        return
    try:
        campaign = await service.launch_campaign(
            session,
            form.draft_of(data),
            created_by=user_key(callback.from_user.id),
            request_key=f"tg:{target.chat.id}:{data['draft']}",
        )
    except service.AlreadySubmitted:
        await session.rollback()
        await target.answer(t("bot.campaigns.already_created"))
        return
    await session.commit()
    if campaign.status == CampaignStatus.SCHEDULED and campaign.scheduled_at is not None:
        await target.answer(
            t(
                "bot.campaigns.scheduled",
                id=campaign.id,
                title=html.quote(campaign.title),
                when=local_time(campaign.scheduled_at),
                count=campaign.targeted,
            )
        )
        return
    await target.answer(
        t(
            "bot.campaigns.started",
            id=campaign.id,
            title=html.quote(campaign.title),
            count=campaign.targeted,
        )
    )
    await show_progress(target, campaign.id, session, runtime, bot, dispatcher, t)


async def discard(
    message_or_callback: Message | CallbackQuery, state: FSMContext, t: Translator
) -> None:
    await state.clear()
    if isinstance(message_or_callback, CallbackQuery):
        await best_effort(message_or_callback.answer())
        target = message_or_callback.message
    else:
        target = message_or_callback
    if target is not None:
        await target.answer(t("bot.campaigns.discarded"))


async def use_buttons(message: Message, t: Translator) -> None:
    """Text where the form waits for a tap (kept from reaching the question answerer)."""
    await message.answer(t("bot.campaigns.use_buttons"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IsOfficer())
    router.callback_query.filter(IsOfficer())
    in_form = StateFilter(form.CampaignForm)
    router.message.register(start, Command("campaign", "campaign_new"))
    router.message.register(discard, in_form, Command("cancel"))

    def tapped(action: str) -> Any:
        return CampaignFormCb.filter(F.action == action)

    router.callback_query.register(discard, in_form, tapped("discard"))
    router.callback_query.register(skip_button, form.CampaignForm.button, tapped("skip"))
    router.callback_query.register(segment_kind, form.CampaignForm.segment, tapped("seg"))
    router.callback_query.register(segment_done, form.CampaignForm.segment, tapped("done"))
    router.callback_query.register(segment_choice, form.CampaignForm.segment_value, tapped("val"))
    router.callback_query.register(segment_back, form.CampaignForm.segment_value, tapped("back"))
    router.callback_query.register(send_now, form.CampaignForm.schedule, tapped("now"))
    router.callback_query.register(edit, form.CampaignForm.confirm, tapped("edit"))
    router.callback_query.register(edit_field, form.CampaignForm.confirm, tapped("field"))
    router.callback_query.register(confirm, form.CampaignForm.confirm, tapped("confirm"))
    typed = F.text & ~F.text.startswith("/")
    router.message.register(title, form.CampaignForm.title, typed)
    router.message.register(text, form.CampaignForm.text, typed)
    router.message.register(button, form.CampaignForm.button, typed)
    router.message.register(segment_typed, form.CampaignForm.segment_value, typed)
    router.message.register(schedule, form.CampaignForm.schedule, typed)
    router.message.register(use_buttons, in_form, typed)
    return router
