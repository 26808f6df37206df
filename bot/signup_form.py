"""The sign-up form's states and the helpers its steps share (``bot.routers.event_signup``
for the company and contact, ``bot.routers.event_financing`` for the financing need)."""

from __future__ import annotations

from typing import Any

from aiogram import html
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InaccessibleMessage, InlineKeyboardMarkup, Message

from bot import event_views as views
from core.errors import InvalidInput
from core.i18n import Translator
from events.models import EventKind

# A callback's message may be too old to be accessible; it can still be answered.
AnyMessage = Message | InaccessibleMessage


class SignupForm(StatesGroup):
    profile = State()
    company_name = State()
    credit_code = State()
    county = State()
    size = State()
    contact_name = State()
    phone = State()
    amount = State()
    patents = State()
    purpose = State()
    confirm = State()


# The questions of a sign-up, in order; a financing matchmaking also asks for the need.
COMPANY_STEPS = ("company_name", "credit_code", "county", "size", "contact_name", "phone")
FINANCING_STEPS = (*COMPANY_STEPS, "amount", "patents", "purpose")


def question(t: Translator, data: dict[str, Any], name: str) -> str:
    """The question of step ``name`` with where the user is: "第 3/9 步：…"."""
    financing = data.get("kind") == EventKind.FINANCING_MATCHMAKING.value
    steps = FINANCING_STEPS if financing else COMPANY_STEPS
    return t(
        "bot.events.form.step",
        n=steps.index(name) + 1,
        total=len(steps),
        question=t(f"bot.events.form.{name}"),
    )


async def ask(
    message: AnyMessage,
    state: FSMContext,
    t: Translator,
    name: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Go to step ``name`` (a ``SignupForm`` state) and ask its question."""
    step: State = getattr(SignupForm, name)
    await state.set_state(step)
    text = question(t, await state.get_data(), name)
    await message.answer(text, reply_markup=reply_markup)


async def store(state: FSMContext, part: str, **values: Any) -> None:
    data = await state.get_data()
    await state.update_data({part: {**data.get(part, {}), **values}})


async def refuse(message: Message, t: Translator, exc: InvalidInput) -> None:
    """Name the field and the problem; the step stays, earlier answers stay."""
    await message.answer(t("bot.events.form.invalid", detail=html.quote(exc.explain(t.locale))))


async def show_summary(message: AnyMessage, state: FSMContext, t: Translator) -> None:
    await state.set_state(SignupForm.confirm)
    data = await state.get_data()
    await message.answer(
        views.summary(t, data), reply_markup=views.form_buttons(t, "confirm", "cancel")
    )
