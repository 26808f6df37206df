"""End to end in webhook mode: the API app served by uvicorn on loopback registers its
webhook with the Bot API emulator, which then POSTs updates to ``/telegram/webhook`` with
the secret header, as Telegram does."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from aiogram.methods import SetWebhook
from pydantic import SecretStr

from api.app import create_app
from policydesk.runtime import Runtime
from testing.botapi_emulator import BotAPIEmulator

USER = 77
SECRET = "webhook-secret-for-the-emulator"


@pytest.fixture
async def served(light_runtime: Runtime) -> AsyncIterator[BotAPIEmulator]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    async with BotAPIEmulator() as emu:
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "bot_token": SecretStr(emu.default_token),
                "telegram_api_base": emu.base_url,
                "webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
                "webhook_secret": SecretStr(SECRET),
            }
        )
        config = uvicorn.Config(create_app(runtime=light_runtime), log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            yield emu
        finally:
            server.should_exit = True
            await task
            listener.close()


async def test_updates_arrive_by_webhook_with_the_secret(served: BotAPIEmulator) -> None:
    emu = served
    registered = await emu.wait_for_call(SetWebhook.__api_method__)
    assert registered.params["secret_token"] == SECRET
    emu.add_user(USER, "韩梅梅")
    emu.send_text(USER, "/start")
    await emu.wait_for_message(USER, contains="知识产权政策助手")
    emu.send_text(USER, "知识产权质押融资工作怎么开展?")
    await emu.wait_for_message(USER, contains="《焦作市国家知识产权试点城市建设实施方案》")
    await emu.wait_until_delivered(5)
    statuses = [d.status for d in emu.webhook_deliveries]
    assert statuses.count(200) == 2  # each update accepted once (earlier attempts may
    assert 403 not in statuses  # have found the server still starting: status None)
