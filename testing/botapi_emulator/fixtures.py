"""Reusable pytest fixtures; import them into a conftest.py::

from testing.botapi_emulator.fixtures import botapi_emulator, emulated_bot  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiogram import Bot

from .helpers import close_bot, make_bot
from .server import BotAPIEmulator


@pytest_asyncio.fixture
async def botapi_emulator() -> AsyncIterator[BotAPIEmulator]:
    """A started emulator (no limits, no faults) on a free loopback port."""
    async with BotAPIEmulator() as emu:
        yield emu


@pytest_asyncio.fixture
async def emulated_bot(botapi_emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    """An aiogram ``Bot`` (default token) talking to ``botapi_emulator``."""
    bot = make_bot(botapi_emulator)
    try:
        yield bot
    finally:
        await close_bot(bot)
