"""Issue 17, item 8: /help lists every command a user has (and officers' commands for
officers only), in both languages, from the same list as the bot's command menu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.commands import OFFICER_COMMANDS, USER_COMMANDS, publish_commands
from core.i18n import translate
from tests.bot.conftest import BotHarness
from tests.bot.updates import OFFICER_ID, text_update

# Aliases kept for old habits; the help names the command people should use.
ALIASES = {"campaign_new"}


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from _routers(child)


def registered_commands(harness: BotHarness) -> set[str]:
    """Every command a message handler of the running dispatcher answers to."""
    names: set[str] = set()
    for router in _routers(harness.dispatcher):
        for handler in router.message.handlers:
            for flt in handler.filters or []:
                if isinstance(flt.callback, Command):
                    names |= {c for c in flt.callback.commands if isinstance(c, str)}
    return names


def test_every_command_the_bot_answers_is_listed(harness: BotHarness) -> None:
    assert registered_commands(harness) - ALIASES == set(USER_COMMANDS) | set(OFFICER_COMMANDS)


@pytest.mark.parametrize(("code", "locale"), [("zh-hans", "zh"), ("en", "en")])
async def test_help_lists_the_users_commands_without_the_officers(
    harness: BotHarness, code: str, locale: str
) -> None:
    # Before: /events, /my, /benefits and /cancel were missing.
    await harness.feed(text_update("/help", language_code=code))
    text = harness.last_sent().text
    for name in USER_COMMANDS:
        description = translate(locale, f"bot.commands.{name}")
        assert (
            translate(locale, "bot.help.command_line", name=name, description=description) in text
        )
    for name in OFFICER_COMMANDS:
        assert f"/{name} " not in text
    assert translate(locale, "bot.help.officer_title") not in text


@pytest.mark.parametrize(("code", "locale"), [("zh-hans", "zh"), ("en", "en")])
async def test_officers_also_see_their_commands(
    harness: BotHarness, code: str, locale: str
) -> None:
    await harness.feed(text_update("/help", user_id=OFFICER_ID, language_code=code))
    text = harness.last_sent().text
    users, officers = text.split(translate(locale, "bot.help.officer_title"))
    for name in USER_COMMANDS:
        assert f"/{name} " in users
    for name in OFFICER_COMMANDS:
        assert f"/{name} " in officers


async def test_the_command_menu_comes_from_the_same_lists(harness: BotHarness) -> None:
    await publish_commands(harness.bot, [OFFICER_ID])
    calls = harness.session.of(SetMyCommands)
    everyone = {c.language_code: [b.command for b in c.commands] for c in calls if c.scope is None}
    assert everyone == {None: list(USER_COMMANDS), "en": list(USER_COMMANDS)}
    officer = [c for c in calls if isinstance(c.scope, BotCommandScopeChat)]
    assert {c.scope.chat_id for c in officer} == {OFFICER_ID}  # type: ignore[union-attr]
    assert {c.language_code for c in officer} == {None, "en"}
    for call in officer:
        assert [b.command for b in call.commands] == [*USER_COMMANDS, *OFFICER_COMMANDS]
    english = next(c for c in calls if c.scope is None and c.language_code == "en")
    assert english.commands[USER_COMMANDS.index("my")].description == translate(
        "en", "bot.commands.my"
    )
