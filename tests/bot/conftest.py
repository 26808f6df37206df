"""Bot fixtures: a runtime over a fresh database sharing the run's knowledge base, and a
dispatcher + bot whose session records what the bot would send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage
from aiogram.types import Update
from pydantic import SecretStr

from bot.factory import DEFAULT_FLOOD_LIMIT, close_dispatcher, create_bot, create_dispatcher
from bot.transport import TelegramPort
from campaigns.ratelimit import LocalRateLimiter
from campaigns.worker import Worker, WorkerConfig
from policydesk.runtime import Runtime
from tests.bot.mocked_session import BOT_USER, RecordingSession
from tests.bot.updates import OFFICER_ID
from webchat.transport import WebTransport

BOT_TOKEN = "4242:TEST-token-for-the-recording-session"
# No pacing: the recording session answers at once.
QUICK_DELIVERY = WorkerConfig(rate=10_000, chat_interval=0.0, poll=0.01)


@pytest.fixture
def bot_runtime(light_runtime: Runtime) -> Runtime:
    """The light runtime with a bot token and one officer chat configured."""
    light_runtime.settings = light_runtime.settings.model_copy(
        update={"bot_token": SecretStr(BOT_TOKEN), "admin_chat_ids": [OFFICER_ID]}
    )
    return light_runtime


@dataclass
class BotHarness:
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    session: RecordingSession

    async def feed(self, update: Update) -> Any:
        """Handle ``update``, then send what it put into the outbox, as the process's
        delivery worker would right after."""
        result = await self.dispatcher.feed_update(self.bot, update)
        await self.deliver()
        return result

    async def deliver(self) -> None:
        """Send the answers and notices in the outbox through this bot, as the process's
        delivery worker would. Campaigns are left to each test's own worker."""
        sessions = self.runtime.sessions
        ports = {"telegram": TelegramPort(self.bot, sessions), "web": WebTransport(sessions)}
        worker = Worker(sessions, ports, LocalRateLimiter(), QUICK_DELIVERY)
        await worker.send_due(campaigns=False)

    def last_sent(self) -> SendMessage:
        sent = self.session.of(SendMessage)
        assert sent, "the bot sent nothing"
        return sent[-1]


def sent_as_incoming(method: SendMessage, message_id: int = 777) -> dict[str, Any]:
    """What the user's client holds after the bot sent ``method`` (to tap its buttons)."""
    assert isinstance(method.chat_id, int)
    body: dict[str, Any] = {
        "message_id": message_id,
        "date": 0,
        "chat": {"id": method.chat_id, "type": "private"},
        "from": BOT_USER.model_dump(exclude_none=True),
        "text": method.text,
    }
    if method.reply_markup is not None:
        body["reply_markup"] = method.reply_markup.model_dump(exclude_none=True)
    return body


@pytest.fixture
async def harness(
    bot_runtime: Runtime, request: pytest.FixtureRequest
) -> AsyncIterator[BotHarness]:
    """The real dispatcher and bot against the recording session. A module whose users
    send many quick updates (a form) sets ``FLOOD_LIMIT = 10_000`` to keep flood control
    out of the way."""
    session = RecordingSession()
    bot = create_bot(bot_runtime.settings, session=session)
    flood_limit = getattr(request.module, "FLOOD_LIMIT", DEFAULT_FLOOD_LIMIT)
    dispatcher = create_dispatcher(bot_runtime, flood_limit=flood_limit)
    yield BotHarness(bot_runtime, bot, dispatcher, session)
    await close_dispatcher(dispatcher)
