"""The sign-up form's states and the helpers its steps share (``bot.routers.event_signup``
for the company and contact, ``bot.routers.event_financing`` for the financing need)."""

from __future__ import annotations

from typing import Any

from aiogram import html
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InaccessibleMessage, Message

from bot import event_views as views
from core.errors import InvalidInput
from core.i18n import Translator

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


async def ask(message: AnyMessage, state: FSMContext, step: State, text: str) -> None:
    await state.set_state(step)
    await message.answer(text)


async def store(state: FSMContext, part: str, **values: Any) -> None:
    data = await state.get_data()
    await state.update_data({part: {**data.get(part, {}), **values}})


async def refuse(message: Message, t: Translator, exc: InvalidInput) -> None:
    """Name the field and the problem; the step stays, earlier answers stay."""
    await message.answer(t("bot.events.form.invalid", detail=html.quote(exc.message)))


async def show_summary(message: AnyMessage, state: FSMContext, t: Translator) -> None:
    await state.set_state(SignupForm.confirm)
    data = await state.get_data()
    await message.answer(
        views.summary(t, data), reply_markup=views.form_buttons(t, "confirm", "cancel")
    )
