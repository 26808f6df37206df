"""aiogram glue: a ``Bot`` whose real ``AiohttpSession`` talks to the emulator."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from .models import DEFAULT_TOKEN
from .server import BotAPIEmulator


def make_bot(emu: BotAPIEmulator | str, token: str | None = None, **bot_kwargs: Any) -> Bot:
    """An aiogram ``Bot`` for ``emu`` (an emulator or its base URL).

    ``token`` defaults to the emulator's ``default_token``. Close it with
    ``await bot.session.close()`` (polling does that itself by default).
    """
    base_url = emu if isinstance(emu, str) else emu.base_url
    if token is None:
        token = emu.default_token if isinstance(emu, BotAPIEmulator) else DEFAULT_TOKEN
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    return Bot(token, session=session, **bot_kwargs)


async def close_bot(bot: Bot) -> None:
    """Close ``bot``'s HTTP session at once.

    ``AiohttpSession.close`` sleeps 250 ms for TLS connections to wind down; on the
    emulator's plain loopback HTTP that wait is pure test time, so the underlying aiohttp
    ``ClientSession`` is closed directly when aiogram exposes it.
    """
    client = getattr(bot.session, "_session", None)
    if client is not None and hasattr(client, "close"):
        await client.close()
    else:
        await bot.session.close()
