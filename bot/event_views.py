"""What the events feature shows: event cards, lists, the form summary, keyboards, and the
check-in QR code. Every piece of user or officer text is escaped for Telegram HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import EventCb, FormCb, MyRegCb
from core.i18n import Translator
from events.models import Event, Registration
from events.notices import local_time
from events.seats import SeatCount
from events.service import registration_open

MAX_LISTED = 20  # soonest first; a longer keyboard is unusable on a phone
MARKED_STATUSES = ("confirmed", "waitlisted", "attended")


def event_list(
    t: Translator, events: Sequence[Event], signed_up: Mapping[int, str] | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The events as buttons; ``signed_up`` (event id → this chat's registration status)
    marks those the chat is signed up for ("✅ 已报名", "⏳ 候补中") at the start of the label,
    where a long title cannot push it out."""
    builder = InlineKeyboardBuilder()
    for event in events[:MAX_LISTED]:
        label = f"{local_time(event.starts_at)[5:]} {event.title}"
        status = (signed_up or {}).get(event.id)
        if status in MARKED_STATUSES:
            label = f"{t(f'bot.events.list_mark.{status}')} {label}"
        builder.button(text=label[:60], callback_data=EventCb(action="show", event_id=event.id))
    builder.button(text=t("bot.events.my_button"), callback_data=MyRegCb(action="list"))
    builder.adjust(1)
    text = t("bot.events.list_title") if events else t("bot.events.none")
    return text, builder.as_markup()


def event_card(t: Translator, event: Event, counts: SeatCount) -> tuple[str, InlineKeyboardMarkup]:
    seats_left = max(event.capacity - counts.seated, 0)
    lines = [
        html.bold(html.quote(event.title)),
        t(f"bot.events.kind.{event.kind}"),
        t("bot.events.when", when=local_time(event.starts_at)),
        t("bot.events.where", place=html.quote(event.place or "-")),
        t("bot.events.deadline", when=local_time(event.registration_deadline)),
        t("bot.events.seats", left=seats_left, capacity=event.capacity, waiting=counts.waitlisted),
    ]
    if event.description:
        lines += ["", html.quote(event.description[:1500])]
    builder = InlineKeyboardBuilder()
    if registration_open(event):
        key = "bot.events.signup_button" if seats_left else "bot.events.waitlist_button"
        builder.button(text=t(key), callback_data=EventCb(action="signup", event_id=event.id))
    else:
        lines += ["", t("bot.events.closed")]
    builder.button(
        text=t("bot.events.back_button"), callback_data=EventCb(action="list", event_id=0)
    )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def form_buttons(t: Translator, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(
            text=t(f"bot.events.form.{action}_button"), callback_data=FormCb(action=action)
        )
    builder.adjust(2)
    return builder.as_markup()


def summary(t: Translator, data: dict[str, Any]) -> str:
    """The answers so far, for the user to confirm."""
    company, contact = data["company"], data["contact"]
    size = company.get("above_designated_size")
    lines = [
        html.bold(t("bot.events.form.summary_title", title=html.quote(data["event_title"]))),
        t("bot.events.form.s_company", value=html.quote(company["name"])),
        t("bot.events.form.s_credit_code", value=html.quote(company["credit_code"])),
        t("bot.events.form.s_county", value=html.quote(company.get("county") or "-")),
        t(
            "bot.events.form.s_size",
            value=t("bot.events.form.yes" if size else "bot.events.form.no")
            if size is not None
            else "-",
        ),
        t("bot.events.form.s_contact", value=html.quote(contact["name"])),
        t("bot.events.form.s_phone", value=html.quote(contact["phone"])),
    ]
    need = data.get("financing_need")
    if need:
        lines += [
            t("bot.events.form.s_amount", value=html.quote(str(need["amount_wan"]))),
            t("bot.events.form.s_patents", value=html.quote("、".join(need["patents"]) or "-")),
            t("bot.events.form.s_purpose", value=html.quote(need["purpose"] or "-")),
        ]
    return "\n".join(lines)


def confirmation(t: Translator, registration: Registration, position: int | None) -> str:
    event = registration.event
    key = "bot.events.confirmed" if registration.status == "confirmed" else "bot.events.waitlisted"
    return t(
        key,
        title=html.quote(event.title),
        when=local_time(event.starts_at),
        place=html.quote(event.place or "-"),
        code=html.code(registration.checkin_code),
        position=position or "-",
    )


def my_registrations(
    t: Translator, registrations: Sequence[Registration]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    if not registrations:
        return t("bot.events.my_none"), builder.as_markup()
    lines = [html.bold(t("bot.events.my_title"))]
    for n, reg in enumerate(registrations, start=1):
        # A waitlisted registration has no seat yet: its check-in code comes with the
        # promotion message.
        waiting = reg.status == "waitlisted"
        lines.append(
            t(
                "bot.events.my_line_waitlisted" if waiting else "bot.events.my_line",
                n=n,
                title=html.quote(reg.event.title),
                when=local_time(reg.event.starts_at),
                status=t(f"bot.events.status.{reg.status}"),
                code=html.code(reg.checkin_code),
            )
        )
        if reg.status in ("confirmed", "waitlisted") and reg.event.status == "published":
            builder.button(
                # The button names the event: the list above may hold several.
                text=t("bot.events.cancel_button", title=short_title(reg.event.title)),
                callback_data=MyRegCb(action="ask", registration_id=reg.id),
            )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def short_title(title: str, limit: int = 30) -> str:
    """An event title short enough for a button (buttons are plain text, not HTML)."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"


def cancel_prompt(t: Translator, registration: Registration) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("bot.events.cancel_yes"),
        callback_data=MyRegCb(action="cancel", registration_id=registration.id),
    )
    builder.button(text=t("bot.events.cancel_no"), callback_data=MyRegCb(action="list"))
    text = t("bot.events.cancel_confirm", title=html.quote(registration.event.title))
    return text, builder.as_markup()


def masked_name(name: str) -> str:
    """A person's name with all but its first character hidden: "王经理" → "王**"."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1)


def existing_registration(t: Translator, registration: Registration, position: int | None) -> str:
    """A company's standing registration, for a chat that may see it (with its check-in
    code once it has a seat)."""
    event = registration.event
    status = t(f"bot.events.status.{registration.status}")
    if position is not None:
        status = t("bot.events.form.existing_position", status=status, position=position)
    shown = t(
        "bot.events.form.existing_shown",
        company=html.quote(registration.company.name),
        title=html.quote(event.title),
        when=local_time(event.starts_at),
        place=html.quote(event.place or "-"),
        status=status,
        contact=html.quote(registration.contact.name),
    )
    if registration.status == "waitlisted":  # no seat yet, no check-in code
        return f"{shown}\n{t('bot.events.form.existing_code_later')}"
    code = html.code(registration.checkin_code)
    return f"{shown}\n{t('bot.events.form.existing_code', code=code)}"
