"""The credit-code step of the sign-up form, and a company that is signed up already.

A company signs up for an event once. As soon as its credit code is known (typed, or from
the remembered profile) the form looks for its registration, so nobody fills in the rest
for nothing. The chat that made the registration, or any chat tied to the company, sees it
at once with its check-in code; a colleague sees it after sending the secret of one of the
company's registrations (shown with every sign-up), and is told whom to ask otherwise.
"""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import event_views as views
from bot.signup_form import AnyMessage, SignupForm, ask, buttons, refuse, store
from core.errors import InvalidInput
from core.i18n import Translator
from core.typed_answers import looks_like_question
from events.checkin_qr import checkin_qr_png
from events.duplicates import may_see, standing_registration
from events.models import Registration
from events.queries import waitlist_position
from events.validators import normalise_credit_code

SECRET_TRIES = 3  # wrong secrets before the form gives up and names whom to ask


async def stop_if_signed_up(
    message: AnyMessage, state: FSMContext, session: AsyncSession, t: Translator, code: str
) -> bool:
    """True when the company with credit code ``code`` is signed up for the form's event
    already: the user has been told, and the form waits for a secret or another code."""
    data = await state.get_data()
    registration = await standing_registration(session, data["event_id"], code)
    if registration is None:
        return False
    if await may_see(session, registration, message.chat.id):
        await state.clear()
        await _show(message, session, t, registration)
        return True
    await state.set_state(SignupForm.existing)
    await state.update_data(existing_id=registration.id, secret_tries=0)
    text = t(
        "bot.events.form.existing",
        company=html.quote(registration.company.name),
        status=t(f"bot.events.status.{registration.status}"),
        contact=html.quote(views.masked_name(registration.contact.name)),
    )
    await message.answer(text, reply_markup=buttons(t, "existing"))
    return True


async def credit_code(
    message: Message, state: FSMContext, session: AsyncSession, t: Translator
) -> None:
    try:
        code = normalise_credit_code(message.text or "")
    except InvalidInput as exc:
        await refuse(message, t, exc)
        return
    await store(state, "company", credit_code=code)
    if not await stop_if_signed_up(message, state, session, t, code):
        await ask(message, state, t, "county")


async def secret_or_code(
    message: Message, state: FSMContext, session: AsyncSession, t: Translator
) -> None:
    """At the "already signed up" step: another credit code (a typo corrected) goes on
    with the form; anything else is taken as a registration secret."""
    text = (message.text or "").strip()
    try:
        code = normalise_credit_code(text)
    except InvalidInput:
        code = None
    if code is not None:
        await store(state, "company", credit_code=code)
        if not await stop_if_signed_up(message, state, session, t, code):
            await ask(message, state, t, "county")
        return
    data = await state.get_data()
    registration = await session.get(Registration, data["existing_id"])
    if registration is None or looks_like_question(text):
        await message.answer(
            t("bot.events.form.existing_hint"), reply_markup=buttons(t, "existing")
        )
        return
    if await may_see(session, registration, message.chat.id, secret=text):
        await state.clear()
        await _show(message, session, t, registration)
        return
    tries = int(data.get("secret_tries", 0)) + 1
    if tries >= SECRET_TRIES:
        await state.clear()
        await message.answer(t("bot.events.form.existing_gave_up"))
        return
    await state.update_data(secret_tries=tries)
    await message.answer(
        t("bot.events.form.existing_wrong_secret"), reply_markup=buttons(t, "existing")
    )


async def _show(
    message: AnyMessage, session: AsyncSession, t: Translator, registration: Registration
) -> None:
    """The company's registration with its check-in code, as text and QR image (none for
    a waitlisted one: the code comes with the promotion)."""
    position = await waitlist_position(session, registration)
    await message.answer(views.existing_registration(t, registration, position))
    if registration.status == "confirmed":
        await message.answer_photo(
            BufferedInputFile(checkin_qr_png(registration.checkin_code), "checkin.png"),
            caption=t("bot.events.qr_caption", code=html.code(registration.checkin_code)),
        )


def create_router() -> Router:
    router = Router(name=__name__)
    text = F.text & ~F.text.startswith("/")
    router.message.register(credit_code, SignupForm.credit_code, text)
    router.message.register(secret_or_code, SignupForm.existing, text)
    return router
