"""The sign-up form (aiogram FSM): one question per step, each answer validated at once.

An invalid answer gets a message naming the field and the problem, and the step is asked
again; earlier answers stay in the form. A question typed where a name or a place is asked
is refused with a hint. At a step with buttons, typing the answer works too (是 / 否, 跳过,
确认, the button's words): a tap and the typed word go through the same ``act``. The
company profile a chat used last time is offered for reuse; a company already signed up is
caught as soon as its credit code is known (``event_duplicates``). Confirming clears the
form before registering, so a double tap finds no form the second time (and the database's
unique constraint backs that up). Commands and menu taps leave the form (``bot.leave_form``).
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
from bot.routers import event_duplicates
from bot.signup_form import (
    BUTTONS,
    AnyMessage,
    SignupForm,
    ask,
    buttons,
    refuse,
    refuse_question,
    show_summary,
    step_name,
    store,
    typed_action,
)
from core.errors import DomainError, InvalidInput
from core.i18n import Translator
from events.checkin_qr import checkin_qr_png
from events.errors import AlreadyRegistered
from events.models import EventKind
from events.queries import last_contact_of_chat, waitlist_position
from events.registration import register
from events.schemas import RegistrationIn
from events.service import get_public_event, registration_open
from events.validators import normalise_company_name, normalise_mobile
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
    await callback.message.answer(text, reply_markup=buttons(t, "profile"))


async def act(
    action: str,
    message: AnyMessage,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    """What a button of the current step does, tapped or typed."""
    step = step_name(await state.get_state())
    if action == "cancel":
        await state.clear()
        await message.answer(t("bot.events.form.cancelled"))
    elif action == "reuse":
        data = await state.get_data()
        remembered = data["remembered"]
        await state.update_data(company=remembered["company"], contact=remembered["contact"])
        code = remembered["company"]["credit_code"]
        if not await event_duplicates.stop_if_signed_up(message, state, session, t, code):
            await _after_contact(message, state, t)
    elif action == "new":
        await ask(message, state, t, "company_name")
    elif action in ("yes", "no"):
        await store(state, "company", above_designated_size=action == "yes")
        await ask(message, state, t, "contact_name")
    elif action == "skip":
        await _skip(step, message, state, t)
    elif action == "confirm":
        await _submit(message, state, session, runtime, t)


async def _skip(step: str, message: AnyMessage, state: FSMContext, t: Translator) -> None:
    if step == "county":
        await store(state, "company", county=None)
        await ask(message, state, t, "size")
    elif step == "size":
        await store(state, "company", above_designated_size=None)
        await ask(message, state, t, "contact_name")
    elif step == "patents":
        await store(state, "financing_need", patents=[])
        await ask(message, state, t, "purpose")
    elif step == "purpose":
        await store(state, "financing_need", purpose="")
        await show_summary(message, state, t)


async def tapped(
    callback: CallbackQuery,
    callback_data: FormCb,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    """A button of the form. Answered once, at once; what follows is said in messages."""
    await best_effort(callback.answer())
    if callback.message is not None:
        await act(callback_data.action, callback.message, state, session, runtime, t)


async def typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
    raw_state: str | None,
) -> None:
    """Text at a step that waits for a tap: the button it names, or how to answer."""
    step = step_name(raw_state)
    action = typed_action(t, message.text or "", step)
    if action is None:
        await message.answer(t(f"bot.events.form.typed_{step}"), reply_markup=buttons(t, step))
        return
    await act(action, message, state, session, runtime, t)


async def company_name(message: Message, state: FSMContext, t: Translator) -> None:
    if await refuse_question(message, t, "company_name"):
        return
    try:  # the rule the API and the web form apply too
        name = normalise_company_name(message.text or "")
    except InvalidInput as exc:
        await refuse(message, t, exc)
        return
    await store(state, "company", name=name)
    await ask(message, state, t, "credit_code")


async def county(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    text = message.text or ""
    if typed_action(t, text, "county") == "skip":
        await act("skip", message, state, session, runtime, t)
        return
    if await refuse_question(message, t, "county"):
        return
    await store(state, "company", county=text.strip()[:60] or None)
    await ask(message, state, t, "size")


async def contact_name(message: Message, state: FSMContext, t: Translator) -> None:
    name = (message.text or "").strip()
    if await refuse_question(message, t, "contact_name"):
        return
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


async def _submit(
    message: AnyMessage,
    state: FSMContext,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    data = await state.get_data()
    await state.clear()  # a second tap of the same button finds no form
    form = RegistrationIn.model_validate(
        {
            "company": {k: v for k, v in data["company"].items() if v is not None},
            "contact": data["contact"],
            "financing_need": data.get("financing_need"),
        }
    )
    # The update's own session may hold SQLite's write lock: release it first.
    await session.commit()
    try:
        done = await register(
            runtime.sessions,
            data["event_id"],
            form,
            channel="telegram",
            chat_id=message.chat.id,
            locale=t.locale,
        )
    except AlreadyRegistered:
        # Signed up by someone else since the credit code was checked: say so, as then.
        await state.set_data(data)
        await event_duplicates.stop_if_signed_up(
            message, state, session, t, data["company"]["credit_code"]
        )
        return
    except DomainError as exc:  # closed, cancelled, a phone tied to another account …
        await message.answer(t("bot.events.form.failed", detail=html.quote(exc.explain(t.locale))))
        return
    registration = done.registration
    position = await waitlist_position(session, registration)
    secret = t("bot.events.form.secret_note", secret=html.code(done.secret))
    await message.answer(f"{views.confirmation(t, registration, position)}\n\n{secret}")
    if registration.status != "confirmed":
        return  # waitlisted: the check-in code comes with the promotion message
    await message.answer_photo(
        BufferedInputFile(checkin_qr_png(registration.checkin_code), "checkin.png"),
        caption=t("bot.events.qr_caption", code=html.code(registration.checkin_code)),
    )


async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("bot.events.form.cancelled"))


# Steps answered with a tap (or its word); the others take typed text.
_TAP_STEPS = (SignupForm.profile, SignupForm.size, SignupForm.confirm)


def create_router() -> Router:
    router = Router(name=__name__)
    in_form = StateFilter(SignupForm)
    text = F.text & ~F.text.startswith("/")
    router.callback_query.register(start, EventCb.filter(F.action == "signup"))
    router.message.register(cancel, in_form, Command("cancel"))
    for step, actions in BUTTONS.items():
        state = getattr(SignupForm, step)
        router.callback_query.register(tapped, state, FormCb.filter(F.action.in_(actions)))
    router.message.register(typed, StateFilter(*_TAP_STEPS), text)
    router.message.register(company_name, SignupForm.company_name, text)
    router.message.register(county, SignupForm.county, text)
    router.message.register(contact_name, SignupForm.contact_name, text)
    router.message.register(phone, SignupForm.phone, text)
    router.include_router(event_duplicates.create_router())
    return router
