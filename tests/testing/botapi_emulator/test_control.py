"""The /_emu HTTP control API and the stand-alone process (python -m testing.botapi_emulator)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

from testing.botapi_emulator import (
    BotAPIEmulator,
    EmulatorClient,
    EmulatorError,
    close_bot,
    make_bot,
)

pytestmark = pytest.mark.asyncio

REPO_ROOT = Path(__file__).resolve().parents[3]


async def test_control_api_mirrors_python_api(botapi_emulator: BotAPIEmulator) -> None:
    bot = make_bot(botapi_emulator.base_url)
    async with EmulatorClient(botapi_emulator.base_url) as remote:
        try:
            assert (await remote.health())["default_token"] == botapi_emulator.default_token
            await remote.add_user(42, "韩梅梅", username="hanmeimei")
            update = await remote.send_text(42, "/start")
            assert update is not None and update["message"]["entities"][0]["type"] == "bot_command"
            updates = await bot.get_updates()
            assert updates[0].message and updates[0].message.from_user
            assert updates[0].message.from_user.first_name == "韩梅梅"
            sent = await bot.send_message(42, "<b>欢迎</b>", parse_mode="HTML")
            msg = await remote.wait_for_message(42, contains="欢迎", timeout=1)
            assert msg["message_id"] == sent.message_id and msg["text"] == "欢迎"
            with pytest.raises(EmulatorError) as info:
                await remote.wait_for_message(42, timeout=0.1)
            assert info.value.status == 408
            calls = await remote.sent(42, method="sendMessage")
            assert calls[0]["params"]["parse_mode"] == "HTML" and calls[0]["ok"] is True
            assert await remote.delivered_texts(42) == ["欢迎"]
            await remote.block(42)
            with pytest.raises(TelegramForbiddenError):
                await bot.send_message(42, "x")
            fault = await remote.inject("getMe", status=503, times=1)
            assert fault["status"] == 503
            await remote.set_rate_limits(per_chat_per_second=1)
            await bot.send_message(43, "a")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(43, "b")
            stats = await remote.stats()
            assert stats["rate_limited"] == 1 and stats["statuses"]["403"] == 1
            assert stats["methods"]["sendMessage"] == 4
            log = await remote.call("requests", since=0)
            assert [c["method"] for c in log][:2] == ["getUpdates", "sendMessage"]
            with pytest.raises(EmulatorError, match="unknown action"):
                await remote.call("nope")
            with pytest.raises(EmulatorError, match="TypeError"):
                await remote.call("send_text", wrong=1)
        finally:
            await close_bot(bot)
    url = f"{botapi_emulator.base_url}/_emu/delivered_texts?chat_id=43"  # GET with a query string
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert (await resp.json())["result"] == ["a"]


async def test_standalone_process() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "testing.botapi_emulator",
        "--port",
        "0",
        "--global-rate",
        "30",
        "--per-chat-rate",
        "1",
        "--block",
        "123,456",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        match = re.match(r"listening on (http://127\.0\.0\.1:\d+)$", line.strip())
        assert match, line
        base_url = match.group(1)
        bot = make_bot(base_url)
        try:
            with pytest.raises(TelegramForbiddenError, match="blocked"):
                await bot.send_message(456, "x")
            await bot.send_message(1, "a")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(1, "b")
        finally:
            await close_bot(bot)
        async with EmulatorClient(base_url) as remote:
            assert (await remote.stats())["rate_limited"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
