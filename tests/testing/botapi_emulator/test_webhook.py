"""Webhook delivery to a real aiohttp receiver, retries, and webhook replies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from testing.botapi_emulator import BotAPIEmulator

pytestmark = pytest.mark.asyncio


class Receiver:
    """A tiny webhook target on loopback that records posts and answers per ``statuses``."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []
        self.app = web.Application()
        self.app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(self.app)
        self.url = ""
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append((dict(request.headers), await request.json()))
        self.arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({}, status=status)

    async def wait_posts(self, count: int, within: float = 3.0) -> None:
        async def loop() -> None:
            while len(self.posts) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(loop(), within)


async def _serve(app_runner: web.AppRunner) -> str:
    await app_runner.setup()
    site = web.TCPSite(app_runner, "127.0.0.1", 0)
    await site.start()
    return f"http://127.0.0.1:{app_runner.addresses[0][1]}"


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    rec.url = await _serve(rec.runner) + "/hook"
    yield rec
    await rec.runner.cleanup()


async def test_webhook_posts_with_secret_and_retries(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot, receiver: Receiver
) -> None:
    botapi_emulator.webhook_retry_delay = 0.05
    receiver.statuses = [500]
    botapi_emulator.send_text(42, "before webhook")  # pending updates are delivered too
    assert await emulated_bot.set_webhook(receiver.url, secret_token="s3cr3t-token") is True
    botapi_emulator.send_text(42, "after webhook")
    await receiver.wait_posts(3)
    headers = receiver.posts[0][0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t-token"
    assert headers["Content-Type"].startswith("application/json")
    texts = [body["message"]["text"] for _, body in receiver.posts]
    assert texts == ["before webhook", "before webhook", "after webhook"]  # first answer was 500
    await botapi_emulator.wait_until_delivered()
    info = await emulated_bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message and "500" in info.last_error_message
    assert [d.status for d in botapi_emulator.webhook_deliveries] == [500, 200, 200]
    with pytest.raises(TelegramConflictError):
        await emulated_bot.get_updates()
    assert await emulated_bot.delete_webhook() is True
    botapi_emulator.send_text(42, "polling again")
    assert [u.message.text for u in await emulated_bot.get_updates() if u.message] == [
        "polling again"
    ]


async def test_unreachable_webhook_keeps_updates_pending(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    botapi_emulator.webhook_retry_delay = 0.05
    await emulated_bot.set_webhook("http://127.0.0.1:9/hook")  # discard port: refused
    botapi_emulator.send_text(1, "lost?")
    await asyncio.sleep(0.3)
    info = await emulated_bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message
    assert await emulated_bot.delete_webhook(drop_pending_updates=True) is True
    assert botapi_emulator.pending_updates() == []


async def test_aiogram_webhook_reply_is_executed(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> Any:
        return message.answer(f"收到：{message.text}")  # returned, not awaited: webhook reply

    app = web.Application()
    SimpleRequestHandler(dp, emulated_bot, handle_in_background=False, secret_token="abc").register(
        app, "/wh"
    )
    runner = web.AppRunner(app)
    url = await _serve(runner)
    try:
        await emulated_bot.set_webhook(f"{url}/wh", secret_token="abc")
        botapi_emulator.send_text(8, "你好")
        reply = await botapi_emulator.wait_for_message(8, timeout=3)
        assert reply["text"] == "收到：你好"
        call = botapi_emulator.sent(8, method="sendMessage")[0]
        assert call.via == "webhook-reply"
    finally:
        await emulated_bot.delete_webhook()
        await runner.cleanup()


async def test_wrong_secret_is_retried_until_fixed(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    dp = Dispatcher()
    got: list[str] = []

    @dp.message()
    async def record(message: Message) -> None:
        got.append(message.text or "")

    app = web.Application()
    SimpleRequestHandler(dp, emulated_bot, secret_token="right").register(app, "/wh")
    runner = web.AppRunner(app)
    url = await _serve(runner)
    botapi_emulator.webhook_retry_delay = 0.05
    try:
        await emulated_bot.set_webhook(f"{url}/wh", secret_token="wrong")
        botapi_emulator.send_text(9, "x")
        await asyncio.sleep(0.2)
        assert got == [] and all(d.status == 401 for d in botapi_emulator.webhook_deliveries)
        await emulated_bot.set_webhook(f"{url}/wh", secret_token="right")
        await botapi_emulator.wait_until_delivered(timeout=3)
        await asyncio.sleep(0.05)
        assert got == ["x"]
    finally:
        await emulated_bot.delete_webhook()
        await runner.cleanup()
