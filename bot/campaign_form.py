"""The officers' campaign form (``bot.routers.campaigns_admin``): its states and the
helpers its steps share, to ask the next question and to show the summary and preview."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, html
from aiogram.enums import MessageEntityType as E
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import campaign_views as views
from bot.signup_form import AnyMessage
from bot.transport import TelegramPort
from campaigns import service
from campaigns.content import Draft
from campaigns.segments import count_audience, parse_segment
from core.errors import InvalidInput
from core.i18n import Translator
from core.transport import Outcome


class CampaignForm(StatesGroup):
    title = State()
    text = State()
    button = State()
    segment = State()
    segment_value = State()
    schedule = State()
    confirm = State()


# The steps in order; after an edit, the form goes straight back to the summary.
ORDER = views.FIELDS
FORMATTING = {E.BOLD, E.ITALIC, E.UNDERLINE, E.STRIKETHROUGH, E.SPOILER, E.CODE, E.PRE}
FORMATTING |= {E.TEXT_LINK, E.BLOCKQUOTE, E.EXPANDABLE_BLOCKQUOTE}


async def refuse(message: Message, t: Translator, key: str, exc: InvalidInput) -> None:
    """Name the problem in the officer's language; the step stays and asks again. ``key``
    names the step's field already, so the detail is the problem alone."""
    await message.answer(t(key, detail=html.quote(exc.problem(t.locale))))


def draft_of(data: dict[str, Any]) -> Draft:
    when = data.get("when")
    return Draft(
        title=data["title"],
        text=data["text"],
        segment=data.get("segment") or {},
        button_text=data.get("button_text"),
        button_url=data.get("button_url"),
        scheduled_at=datetime.fromisoformat(when) if when else None,
    )


def markup_of(message: Message) -> str:
    """The text as Telegram HTML: typed tags as they are, or the client's own formatting
    (bold, links …) converted when the officer used it instead."""
    if any(entity.type in FORMATTING for entity in message.entities or []):
        return message.html_text
    return message.text or ""


async def ask(
    target: AnyMessage, state: FSMContext, session: AsyncSession, t: Translator, step: str
) -> None:
    data = await state.get_data()
    draft = data["draft"]
    if step == "title":
        await state.set_state(CampaignForm.title)
        await target.answer(t("bot.campaigns.ask.title"))
    elif step == "text":
        await state.set_state(CampaignForm.text)
        await target.answer(t("bot.campaigns.ask.text"))
    elif step == "button":
        await state.set_state(CampaignForm.button)
        await target.answer(
            t("bot.campaigns.ask.button"), reply_markup=views.form_keyboard(t, draft, "skip")
        )
    elif step == "segment":
        await state.set_state(CampaignForm.segment)
        segment = data.get("segment") or {}
        audience = await count_audience(session, parse_segment(segment))
        await session.commit()  # no database lock is held while talking to Telegram
        await target.answer(
            t(
                "bot.campaigns.ask.segment",
                segment=views.describe_segment(t, segment, data.get("event_title")),
                count=audience,
            ),
            reply_markup=views.segment_keyboard(t, draft, segment),
        )
    else:
        await state.set_state(CampaignForm.schedule)
        await target.answer(
            t("bot.campaigns.ask.schedule"), reply_markup=views.form_keyboard(t, draft, "now")
        )


async def advance(
    target: AnyMessage,
    state: FSMContext,
    session: AsyncSession,
    bot: Bot,
    t: Translator,
    done: str,
) -> None:
    """Ask the step after ``done``, or show the summary (last step, or after an edit)."""
    data = await state.get_data()
    following = ORDER.index(done) + 1
    if data.get("editing") or following == len(ORDER):
        await show_summary(target, state, session, bot, t)
    else:
        await ask(target, state, session, t, ORDER[following])


async def show_summary(
    target: AnyMessage, state: FSMContext, session: AsyncSession, bot: Bot, t: Translator
) -> None:
    """The exact message, as a preview in the officer's own chat, then the summary."""
    await state.set_state(CampaignForm.confirm)
    data = await state.get_data()
    shown = await service.preview_draft(session, draft_of(data))
    await session.commit()  # no database lock is held while talking to Telegram
    chat_id = target.chat.id
    result = await service.send_preview(TelegramPort(bot), shown, chat_id)
    if result.outcome != Outcome.SENT:
        await target.answer(t("bot.campaigns.preview_failed", detail=html.quote(result.error)))
    await target.answer(
        views.summary(t, data, shown.audience),
        reply_markup=views.form_keyboard(t, data["draft"], "confirm", "edit", "discard"),
    )
