"""The financing-need steps of the sign-up form, asked at matchmaking events: amount
sought (万元), patents offered as collateral (each checked with its check digit), purpose.
Patents and purpose may be skipped with the button or by typing 跳过 / 无."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.signup_form import SignupForm, ask, refuse, show_summary, store
from core.errors import InvalidInput
from core.i18n import Translator
from core.typed_answers import is_skip
from events.validators import normalise_patent_number

NONE_WORDS = {"无", "没有", "none", "no", "-"}


AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]{1,2})?)\s*(?:万元|万)?\s*$")


async def amount(message: Message, state: FSMContext, t: Translator) -> None:
    match = AMOUNT.match(message.text or "")
    value: Decimal | None = None
    if match:
        try:
            value = Decimal(match.group(1))
        except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
            value = None
    if value is None or not Decimal(0) < value <= Decimal(10_000_000):
        await refuse(message, t, InvalidInput.keyed("errors.input.amount", field="amount_wan"))
        return
    await store(state, "financing_need", amount_wan=str(value))
    await ask(message, state, t, "patents")


async def patents(message: Message, state: FSMContext, t: Translator) -> None:
    text = (message.text or "").strip()
    numbers: list[str] = []
    if text.lower() not in NONE_WORDS and not is_skip(text):
        try:
            for part in re.split(r"[,，、;；\n]+", text):
                if part.strip():
                    numbers.append(normalise_patent_number(part))
        except InvalidInput as exc:
            await refuse(message, t, exc)
            return
    await store(state, "financing_need", patents=numbers[:50])
    await ask(message, state, t, "purpose")


async def purpose(message: Message, state: FSMContext, t: Translator) -> None:
    text = (message.text or "").strip()
    if is_skip(text):
        text = ""
    elif text.endswith(("?", "？")):
        # A purpose may well say 什么 or 多少; only a sentence that asks is refused.
        await message.answer(t("bot.events.form.looks_like_question", field=t("fields.purpose")))
        return
    await store(state, "financing_need", purpose=text[:1000])
    await show_summary(message, state, t)


def create_router() -> Router:
    router = Router(name=__name__)
    text = F.text & ~F.text.startswith("/")
    router.message.register(amount, SignupForm.amount, text)
    router.message.register(patents, SignupForm.patents, text)
    router.message.register(purpose, SignupForm.purpose, text)
    return router
