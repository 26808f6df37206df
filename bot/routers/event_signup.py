"""The sign-up form (aiogram FSM): one question per step, each answer validated at once.

An invalid answer gets a message naming the field and the problem, and the step is asked
again; earlier answers stay in the form. The company profile a chat used last time is
offered for reuse. Confirming clears the form before registering, so a double tap finds
no form the second time (and the database's unique constraint backs that up).
"""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import event_views as views
from bot.best_effort import best_effort
from bot.callbacks import EventCb, FormCb
from bot.signup_form import AnyMessage, SignupForm, ask, refuse, show_summary, store
from core.errors import InvalidInput
from core.i18n import Translator
from events.models import EventKind
from events.queries import last_contact_of_chat, waitlist_position
from events.registration import register
from events.schemas import RegistrationIn
from events.service import get_public_event, registration_open
from events.validators import normalise_credit_code, normalise_mobile
from policydesk.runtime import Runtime


async def start(
    callback: CallbackQuery,
    callback_data: EventCb,
    state: FSMContext,
    session: AsyncSession,
    t: Translator,
) -> None:
    await best_effort(callback.answer())
    event = await get_public_event(session, callback_data.event_id)
    if callback.message is None:
        return
    if not registration_open(event):
        await callback.message.answer(t("bot.events.closed"))
        return
    await state.set_data(
        {
            "event_id": event.id,
            "event_title": event.title,
            "kind": event.kind,
            "company": {},
            "contact": {},
        }
    )
    remembered = await last_contact_of_chat(session, callback.message.chat.id)
    if remembered is None:
        await ask(callback.message, state, t, "company_name")
        return
    company = remembered.company
    await state.update_data(
        remembered={
            "company": {
                "name": company.name,
                "credit_code": company.credit_code,
                "county": company.county,
                "above_designated_size": company.above_designated_size,
            },
            "contact": {"name": remembered.name, "phone": remembered.phone},
        }
    )
    await state.set_state(SignupForm.profile)
    text = t(
        "bot.events.form.reuse",
        company=html.quote(company.name),
        code=html.quote(company.credit_code),
        contact=html.quote(remembered.name),
        phone=html.quote(remembered.phone),
    )
    await callback.message.answer(text, reply_markup=views.form_buttons(t, "reuse", "new"))


async def reuse_profile(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await best_effort(callback.answer())
    data = await state.get_data()
    await state.update_data(
        company=data["remembered"]["company"], contact=data["remembered"]["contact"]
    )
    if callback.message is not None:
        await _after_contact(callback.message, state, t)


async def new_profile(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await best_effort(callback.answer())
    if callback.message is not None:
        await ask(callback.message, state, t, "company_name")


async def company_name(message: Message, state: FSMContext, t: Translator) -> None:
    name = (message.text or "").strip()
    if not 1 <= len(name) <= 200:
        await refuse(
            message, t, InvalidInput.keyed("errors.input.company_name", field="company_name")
        )
        return
    await store(state, "company", name=name)
    await ask(message, state, t, "credit_code")


async def credit_code(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        code = normalise_credit_code(message.text or "")
    except InvalidInput as exc:
        await refuse(message, t, exc)
        return
    await store(state, "company", credit_code=code)
    await ask(message, state, t, "county", views.form_buttons(t, "skip"))


async def county(message: Message, state: FSMContext, t: Translator) -> None:
    await store(state, "company", county=(message.text or "").strip()[:60] or None)
    await _ask_size(message, state, t)


async def skip(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    """The skip button of an optional step."""
    await best_effort(callback.answer())
    current = await state.get_state()
    if callback.message is None:
        return
    if current == SignupForm.county.state:
        await _ask_size(callback.message, state, t)
    elif current == SignupForm.size.state:
        await ask(callback.message, state, t, "contact_name")
    elif current == SignupForm.patents.state:
        await store(state, "financing_need", patents=[])
        await ask(callback.message, state, t, "purpose", views.form_buttons(t, "skip"))
    elif current == SignupForm.purpose.state:
        await store(state, "financing_need", purpose="")
        await show_summary(callback.message, state, t)


async def _ask_size(message: AnyMessage, state: FSMContext, t: Translator) -> None:
    await ask(message, state, t, "size", views.form_buttons(t, "yes", "no", "skip"))


async def size(
    callback: CallbackQuery, callback_data: FormCb, state: FSMContext, t: Translator
) -> None:
    await best_effort(callback.answer())
    await store(state, "company", above_designated_size=callback_data.action == "yes")
    if callback.message is not None:
        await ask(callback.message, state, t, "contact_name")


async def contact_name(message: Message, state: FSMContext, t: Translator) -> None:
    name = (message.text or "").strip()
    if not 1 <= len(name) <= 60:
        await refuse(
            message, t, InvalidInput.keyed("errors.input.contact_name", field="contact_name")
        )
        return
    await store(state, "contact", name=name)
    await ask(message, state, t, "phone")


async def phone(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        number = normalise_mobile(message.text or "")
    except InvalidInput as exc:
        await refuse(message, t, exc)
        return
    await store(state, "contact", phone=number)
    await _after_contact(message, state, t)


async def _after_contact(message: AnyMessage, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    if data["kind"] == EventKind.FINANCING_MATCHMAKING.value:
        await ask(message, state, t, "amount")
    else:
        await show_summary(message, state, t)


async def confirm(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    data = await state.get_data()
    await state.clear()  # a second tap of the same button finds no form
    await best_effort(callback.answer())
    if callback.message is None:
        return
    form = RegistrationIn.model_validate(
        {
            "company": {k: v for k, v in data["company"].items() if v is not None},
            "contact": data["contact"],
            "financing_need": data.get("financing_need"),
        }
    )
    # The update's own session may hold SQLite's write lock: release it first.
    await session.commit()
    done = await register(
        runtime.sessions,
        data["event_id"],
        form,
        channel="telegram",
        chat_id=callback.message.chat.id,
        locale=t.locale,
    )
    registration = done.registration
    position = await waitlist_position(session, registration)
    await callback.message.answer(views.confirmation(t, registration, position))
    await callback.message.answer_photo(
        BufferedInputFile(views.checkin_qr(registration.checkin_code), "checkin.png"),
        caption=t("bot.events.qr_caption", code=html.code(registration.checkin_code)),
    )


async def cancel(
    message_or_callback: Message | CallbackQuery, state: FSMContext, t: Translator
) -> None:
    await state.clear()
    if isinstance(message_or_callback, CallbackQuery):
        await best_effort(message_or_callback.answer())
        target = message_or_callback.message
    else:
        target = message_or_callback
    if target is not None:
        await target.answer(t("bot.events.form.cancelled"))


def create_router() -> Router:
    router = Router(name=__name__)
    in_form = StateFilter(SignupForm)
    router.callback_query.register(start, EventCb.filter(F.action == "signup"))
    router.message.register(cancel, in_form, Command("cancel"))
    router.callback_query.register(cancel, in_form, FormCb.filter(F.action == "cancel"))
    router.callback_query.register(
        reuse_profile, SignupForm.profile, FormCb.filter(F.action == "reuse")
    )
    router.callback_query.register(
        new_profile, SignupForm.profile, FormCb.filter(F.action == "new")
    )
    router.callback_query.register(skip, in_form, FormCb.filter(F.action == "skip"))
    router.callback_query.register(
        size, SignupForm.size, FormCb.filter(F.action.in_({"yes", "no"}))
    )
    router.callback_query.register(
        confirm, SignupForm.confirm, FormCb.filter(F.action == "confirm")
    )
    text = F.text & ~F.text.startswith("/")
    router.message.register(company_name, SignupForm.company_name, text)
    router.message.register(credit_code, SignupForm.credit_code, text)
    router.message.register(county, SignupForm.county, text)
    router.message.register(contact_name, SignupForm.contact_name, text)
    router.message.register(phone, SignupForm.phone, text)
    return router
