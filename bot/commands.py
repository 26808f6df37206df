"""The bot's commands, listed once: the command menu Telegram clients show
(``publish_commands``) and /help (``help_text``) are both made from these lists, each
command described by ``bot.commands.<name>`` in the user's language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.best_effort import best_effort
from core.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, Translator, translate
from core.settings import Settings

USER_COMMANDS = (
    "start",
    "help",
    "benefits",
    "events",
    "my",
    "cancel",
    "subscribe",
    "unsubscribe",
    "language",
)
# Only officers (``POLICYDESK_ADMIN_CHAT_IDS``) see these, in /help and in their menu.
OFFICER_COMMANDS = ("answer", "campaigns", "campaign")


def is_officer(settings: Settings, chat_id: int | None, user_id: int | None) -> bool:
    """As ``bot.filters.IsOfficer``: the chat or the sender is an officer's."""
    allowed = set(settings.admin_chat_ids)
    return chat_id in allowed or user_id in allowed


def _lines(t: Translator, names: Iterable[str]) -> str:
    return "\n".join(
        t("bot.help.command_line", name=name, description=t(f"bot.commands.{name}"))
        for name in names
    )


def help_text(t: Translator, limit: int, officer: bool = False) -> str:
    """/help: how to ask, then every command; officers' commands for officers only."""
    sections = [
        t("bot.help", limit=limit),
        f"{t('bot.help.commands_title')}\n{_lines(t, USER_COMMANDS)}",
    ]
    if officer:
        sections.append(f"{t('bot.help.officer_title')}\n{_lines(t, OFFICER_COMMANDS)}")
    return "\n\n".join(sections)


def menu(locale: str, names: Sequence[str]) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=translate(locale, f"bot.commands.{name}"))
        for name in names
    ]


async def publish_commands(bot: Bot, officer_chat_ids: Iterable[int] = ()) -> None:
    """The command menu, in Chinese and for English clients; officers' chats also get
    their commands. Best effort: a bot whose menu could not be published still starts."""
    officers = list(officer_chat_ids)
    for locale in SUPPORTED_LOCALES:
        code = None if locale == DEFAULT_LOCALE else locale
        await best_effort(bot.set_my_commands(menu(locale, USER_COMMANDS), language_code=code))
        for chat_id in officers:
            await best_effort(
                bot.set_my_commands(
                    menu(locale, USER_COMMANDS + OFFICER_COMMANDS),
                    scope=BotCommandScopeChat(chat_id=chat_id),
                    language_code=code,
                )
            )
