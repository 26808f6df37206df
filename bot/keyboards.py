"""Inline keyboards; every label comes from the locale catalogs."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import HandoffCb, LanguageCb, MenuCb, SubscriptionCb, VoteCb
from core.i18n import SUPPORTED_LOCALES, Translator, translate

MENU_ITEMS = ("ask", "benefits", "events", "subscriptions", "language")


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in MENU_ITEMS:
        builder.button(text=t(f"bot.menu.{item}"), callback_data=MenuCb(item=item))
    builder.adjust(2)
    return builder.as_markup()


def answer_keyboard(t: Translator, log_id: int) -> InlineKeyboardMarkup:
    """👍 / 👎 under an answer. A not-found answer needs no "ask an officer": its question
    is already waiting for one."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("bot.feedback.up"), callback_data=VoteCb(log_id=log_id, helpful=True))
    builder.button(text=t("bot.feedback.down"), callback_data=VoteCb(log_id=log_id, helpful=False))
    return builder.as_markup()


def handoff_keyboard(t: Translator, open_question_id: int) -> InlineKeyboardMarkup:
    """ "Ask an officer", offered after 👎 on an answer."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("bot.ask.handoff_button"), callback_data=HandoffCb(question_id=open_question_id)
    )
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for locale in SUPPORTED_LOCALES:
        builder.button(
            text=translate(locale, "language.name"), callback_data=LanguageCb(locale=locale)
        )
    return builder.as_markup()


def subscription_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("bot.subscriptions.subscribe_button"), callback_data=SubscriptionCb(subscribe=True)
    )
    builder.button(
        text=t("bot.subscriptions.unsubscribe_button"),
        callback_data=SubscriptionCb(subscribe=False),
    )
    return builder.as_markup()
