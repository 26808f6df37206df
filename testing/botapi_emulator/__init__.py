"""Telegram Bot API emulator for policydesk tests (see README.md in this folder).

Public API::

    from testing.botapi_emulator import BotAPIEmulator, RateLimits, make_bot

    async with BotAPIEmulator(rate_limits=RateLimits(global_per_second=30)) as emu:
        bot = make_bot(emu)                   # aiogram Bot on emu.base_url
        emu.send_text(42, "/start")           # a user writes to the bot
        msg = await emu.wait_for_message(42)  # what the bot answered
"""

from typing import TYPE_CHECKING, Any

from .client import EmulatorClient, EmulatorError
from .models import (
    DEFAULT_GROUP_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_TOKEN,
    APIError,
    Fault,
    RateLimits,
    RecordedCall,
    UploadedFile,
)
from .server import HANDLERS, BotAPIEmulator
from .tg_html import parse_html, utf16_len

if TYPE_CHECKING:
    from .helpers import close_bot, make_bot


def __getattr__(name: str) -> Any:
    """Import ``make_bot``/``close_bot`` lazily: aiogram takes seconds to import, and the
    stand-alone emulator process (``python -m testing.botapi_emulator``) does not need it."""
    if name in ("make_bot", "close_bot"):
        from . import helpers

        return getattr(helpers, name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT_GROUP_ID",
    "DEFAULT_SUPERGROUP_ID",
    "DEFAULT_TOKEN",
    "HANDLERS",
    "APIError",
    "BotAPIEmulator",
    "EmulatorClient",
    "EmulatorError",
    "Fault",
    "RateLimits",
    "RecordedCall",
    "UploadedFile",
    "close_bot",
    "make_bot",
    "parse_html",
    "utf16_len",
]
