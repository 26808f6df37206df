"""Replicas sharing Redis: a form continues on whichever replica gets the next update.
(Flood counters shared through Redis: tests/bot/test_flood_storage.py.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import SendMessage
from aiogram.types import Message
from redis.asyncio import Redis

from bot.factory import create_bot, create_dispatcher
from policydesk.runtime import Runtime
from tests.bot.conftest import BotHarness
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import message, update

REDIS_URL = "redis://127.0.0.1:6379/0"


class SignUp(StatesGroup):
    name = State()
    phone = State()


def signup_router() -> Router:
    """A two-step form standing in for the event sign-up form."""
    router = Router(name="test-signup")

    @router.message(Command("signup"))
    async def start(msg: Message, state: FSMContext) -> None:
        await state.set_state(SignUp.name)
        await msg.answer("name?")

    @router.message(SignUp.name, F.text)
    async def got_name(msg: Message, state: FSMContext) -> None:
        await state.update_data(name=msg.text)
        await state.set_state(SignUp.phone)
        await msg.answer("phone?")

    @router.message(SignUp.phone, F.text)
    async def got_phone(msg: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await state.clear()
        await msg.answer(f"registered {data['name']} {msg.text}")

    return router


@pytest.fixture
async def replicas(bot_runtime: Runtime) -> AsyncIterator[tuple[BotHarness, BotHarness]]:
    """Two dispatchers built by the real factory with Redis configured, as on two replicas."""
    bot_runtime.settings = bot_runtime.settings.model_copy(update={"redis_url": REDIS_URL})
    bot_runtime.redis = Redis.from_url(REDIS_URL)
    harnesses = []
    for _ in range(2):
        session = RecordingSession()
        bot = create_bot(bot_runtime.settings, session=session)
        dispatcher = create_dispatcher(bot_runtime, features=[signup_router], flood_limit=50)
        harnesses.append(BotHarness(bot_runtime, bot, dispatcher, session))
    yield harnesses[0], harnesses[1]
    for harness in harnesses:
        await harness.dispatcher.storage.close()
    await bot_runtime.redis.aclose()
    bot_runtime.redis = None


async def test_a_form_continues_on_another_replica(
    replicas: tuple[BotHarness, BotHarness],
) -> None:
    a, b = replicas
    assert isinstance(a.dispatcher.storage, RedisStorage)
    user_id = 10_000 + uuid.uuid4().int % 1_000_000
    await a.feed(update(message=message("/signup", user_id=user_id)))
    assert a.last_sent().text == "name?"
    await b.feed(update(message=message("张三", user_id=user_id)))
    assert b.last_sent().text == "phone?"
    await a.feed(update(message=message("13800000000", user_id=user_id)))
    assert a.last_sent().text == "registered 张三 13800000000"
    assert not [m for m in b.session.of(SendMessage) if "registered" in str(m.text)]
