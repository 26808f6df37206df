"""The sign-up form's states and the helpers its steps share (``bot.routers.event_signup``
for the company and contact, ``bot.routers.event_duplicates`` for a company already signed
up, ``bot.routers.event_financing`` for the financing need)."""

from __future__ import annotations

import re
from typing import Any

from aiogram import html
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InaccessibleMessage, InlineKeyboardMarkup, Message

from bot import event_views as views
from core.errors import InvalidInput, field_label
from core.i18n import Translator
from core.typed_answers import is_skip, looks_like_question, normalise, parse_yes_no
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
    existing = State()  # the company is signed up already: its secret, or another code


# The buttons under each step's question; a typed answer may stand for one of them.
BUTTONS: dict[str, tuple[str, ...]] = {
    "profile": ("reuse", "new"),
    "county": ("skip",),
    "size": ("yes", "no", "skip"),
    "patents": ("skip",),
    "purpose": ("skip",),
    "confirm": ("confirm", "cancel"),
    "existing": ("cancel",),
}
_LEADING_SYMBOLS = re.compile(r"^\W+")  # a button's emoji: "✅ 使用" is typed "使用"
# What a typed 是 / 否 means where the buttons say something else.
YES_MEANS = ("yes", "reuse", "confirm")
NO_MEANS = ("no", "new")


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


def buttons(t: Translator, name: str) -> InlineKeyboardMarkup | None:
    actions = BUTTONS.get(name)
    return views.form_buttons(t, *actions) if actions else None


def step_name(raw_state: str | None) -> str:
    """ "SignupForm:size" → "size"."""
    return (raw_state or "").partition(":")[2]


async def ask(message: AnyMessage, state: FSMContext, t: Translator, name: str) -> None:
    """Go to step ``name`` (a ``SignupForm`` state) and ask its question, with its buttons."""
    step: State = getattr(SignupForm, name)
    await state.set_state(step)
    text = question(t, await state.get_data(), name)
    await message.answer(text, reply_markup=buttons(t, name))


def typed_action(t: Translator, text: str, step: str) -> str | None:
    """The button of ``step`` that typed ``text`` stands for: the button's own words
    ("跳过", "确认报名", "重新填写"), 是 / 否, or None."""
    actions = BUTTONS.get(step, ())
    word = normalise(text)
    for action in actions:
        label = _LEADING_SYMBOLS.sub("", t(f"bot.events.form.{action}_button"))
        if word and word == normalise(label):
            return action
    yes = parse_yes_no(text)
    if yes is not None:
        means = YES_MEANS if yes else NO_MEANS
        return next((action for action in means if action in actions), None)
    return "skip" if "skip" in actions and is_skip(text) else None


async def refuse_question(message: Message, t: Translator, field: str) -> bool:
    """A question typed where a name or a place is asked: say so, keep the step. True when
    the answer was refused."""
    if not looks_like_question(message.text or ""):
        return False
    name = field_label(field, t.locale) or field
    # "not the company name": a field named inside an English sentence is lower case.
    await message.answer(t("bot.events.form.looks_like_question", field=name.lower()))
    return True


async def store(state: FSMContext, part: str, **values: Any) -> None:
    data = await state.get_data()
    await state.update_data({part: {**data.get(part, {}), **values}})


async def refuse(message: Message, t: Translator, exc: InvalidInput) -> None:
    """Name the field and the problem; the step stays, earlier answers stay."""
    await message.answer(t("bot.events.form.invalid", detail=html.quote(exc.explain(t.locale))))


async def show_summary(message: AnyMessage, state: FSMContext, t: Translator) -> None:
    await state.set_state(SignupForm.confirm)
    data = await state.get_data()
    await message.answer(views.summary(t, data), reply_markup=buttons(t, "confirm"))
