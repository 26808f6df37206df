"""The benefits conversation in Telegram: question keyboards and the matched benefits as
HTML messages (every text from rules and profiles escaped).

The result is one short message: the benefits that fit, each with its reason, its clause
and a next step (a button to sign up for a related event that is open, else the office),
then a "更多" button for the rest — benefits still to be confirmed or one step away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from benefits.conversation import Question
from benefits.service import BenefitItem, MatchResult
from bot.callbacks import BenefitActionCb, BenefitCb, EventCb
from bot.render import pack, telegram_len
from core.i18n import Translator
from events.models import Event

# One result message stays well under Telegram's 4096 characters, readable on a phone.
RESULT_LIMIT = 1500
MAX_FIRST = 5  # benefits shown before "更多"
QUOTE_CHARS = 60
TITLE_CHARS = 24  # of an event named on a button


def question_keyboard(t: Translator, question: Question) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, label in question.choices:
        builder.button(text=label, callback_data=BenefitCb(fact=question.fact, choice=index))
    builder.button(
        text=t("bot.benefits.not_sure"), callback_data=BenefitCb(fact=question.fact, choice=-1)
    )
    builder.button(text=t("bot.benefits.show_now"), callback_data=BenefitActionCb(action="results"))
    per_row = 3 if len(question.choices) <= 3 else 4
    rows = [per_row] * (len(question.choices) // per_row)
    if len(question.choices) % per_row:
        rows.append(len(question.choices) % per_row)
    builder.adjust(*rows, 2)
    return builder.as_markup()


def again_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("bot.benefits.again"), callback_data=BenefitActionCb(action="again"))
    return builder.as_markup()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _event_of(item: BenefitItem, events: Mapping[str, Event]) -> Event | None:
    return next((events[k] for k in item.event_kinds if k in events), None)


def _item(t: Translator, item: BenefitItem, number: int, events: Mapping[str, Event]) -> str:
    """A benefit that fits: reason, clause (its start) and what to do next."""
    event = _event_of(item, events)
    step = (
        t("bot.benefits.step_event", title=html.quote(event.title))
        if event is not None
        else t("bot.benefits.step_contact")
    )
    return "\n".join(
        [
            f"{number}. <b>{html.quote(item.title)}</b>",
            html.quote(item.reason),
            t(
                "bot.benefits.source",
                document=html.quote(item.document),
                section=html.quote(item.section),
            ),
            f"<blockquote>{html.quote(_clip(item.quote, QUOTE_CHARS))}</blockquote>",
            step,
        ]
    )


def _brief(t: Translator, item: BenefitItem, number: int) -> str:
    """A benefit still to be confirmed or one step away: what is open and the next step."""
    lines = [f"{number}. <b>{html.quote(item.title)}</b>", html.quote(item.reason)]
    if item.next_step:
        lines.append(t("bot.benefits.next_step", next_step=html.quote(item.next_step)))
    return "\n".join(lines)


@dataclass(frozen=True)
class Results:
    """The first result message with its buttons, and the messages behind "更多"."""

    text: str
    keyboard: InlineKeyboardMarkup
    more: list[str]


def _first_items(
    t: Translator, eligible: Sequence[BenefitItem], events: Mapping[str, Event], room: int
) -> list[str]:
    shown: list[str] = []
    for n, item in enumerate(eligible[:MAX_FIRST], start=1):
        fragment = _item(t, item, n, events)
        if shown and telegram_len("\n\n".join([*shown, fragment])) > room:
            break
        shown.append(fragment)
    return shown


def results(t: Translator, result: MatchResult, events: Mapping[str, Event]) -> Results:
    """The fitting benefits first (as many as fit one short message), the rest behind
    "更多"; ``events`` maps an event kind to its open event."""
    footer = [t("bot.benefits.disclaimer")]
    rest = len(result.potential)
    # Room for the header, the "more" hint and the disclaimer around the items.
    overhead = sum(telegram_len(x) + 2 for x in footer) + 120
    shown = _first_items(t, result.eligible, events, RESULT_LIMIT - overhead)
    later = result.eligible[len(shown) :]
    rest += len(later)
    head = [t("bot.benefits.eligible_header", count=len(result.eligible))] if shown else []
    if not shown:
        head = [t("bot.benefits.none_fit" if rest else "bot.benefits.none")]
    hint = [t("bot.benefits.more_hint", count=rest)] if rest else []
    text = "\n\n".join([*head, *shown, *hint, *footer])

    builder = InlineKeyboardBuilder()
    linked = dict.fromkeys(
        e.id for i in result.eligible[: len(shown)] if (e := _event_of(i, events))
    )
    by_id = {e.id: e for e in events.values()}
    for event_id in linked:
        title = _clip(by_id[event_id].title, TITLE_CHARS)
        builder.button(
            text=t("bot.benefits.signup_button", title=title),
            callback_data=EventCb(action="show", event_id=event_id),
        )
    if rest:
        builder.button(
            text=t("bot.benefits.more_button", count=rest),
            callback_data=BenefitActionCb(action="more"),
        )
    builder.button(text=t("bot.benefits.again"), callback_data=BenefitActionCb(action="again"))
    builder.adjust(1)

    fragments: list[str] = []
    if later:
        fragments.append(t("bot.benefits.eligible_more_header", count=len(later)))
        fragments += [_item(t, i, n, events) for n, i in enumerate(later, start=len(shown) + 1)]
    if result.potential:
        fragments.append(t("bot.benefits.potential_header", count=len(result.potential)))
        fragments += [_brief(t, i, n) for n, i in enumerate(result.potential, start=1)]
    return Results(text, builder.as_markup(), pack(fragments, limit=RESULT_LIMIT))
