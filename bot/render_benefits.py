"""The benefits conversation in Telegram: question keyboards and the matched benefits as
HTML messages (every text from rules and profiles escaped), split to Telegram's limit."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from benefits.conversation import Question
from benefits.service import BenefitItem, MatchResult
from bot.callbacks import BenefitActionCb, BenefitCb
from bot.render import pack
from core.i18n import Translator


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


def _item(t: Translator, item: BenefitItem, number: int) -> str:
    lines = [
        f"{number}. <b>{html.quote(item.title)}</b>",
        html.quote(item.reason),
        t(
            "bot.benefits.source",
            document=html.quote(item.document),
            section=html.quote(item.section),
        ),
        f"<blockquote>{html.quote(item.quote)}</blockquote>",
    ]
    if item.next_step:
        lines.append(t("bot.benefits.next_step", next_step=html.quote(item.next_step)))
    return "\n".join(lines)


def results_messages(t: Translator, result: MatchResult) -> list[str]:
    """Eligible benefits first, then the possible ones, then a disclaimer."""
    fragments: list[str] = []
    for key, items in (
        ("bot.benefits.eligible_header", result.eligible),
        ("bot.benefits.potential_header", result.potential),
    ):
        if items:
            fragments.append(t(key, count=len(items)))
            fragments += [_item(t, item, n) for n, item in enumerate(items, start=1)]
    if not fragments:
        fragments.append(t("bot.benefits.none"))
    fragments.append(t("bot.benefits.disclaimer"))
    return pack(fragments)
