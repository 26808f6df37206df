"""Replicas sharing Redis: a form continues on whichever replica gets the next update.
(Flood counters shared through Redis: tests/bot/test_flood_storage.py.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.callbacks import EventCb, FormCb
from bot.factory import close_dispatcher, create_bot, create_dispatcher
from core.i18n import translate
from events.models import Registration
from policydesk.runtime import Runtime
from tests.bot.conftest import BotHarness
from tests.bot.mocked_session import RecordingSession
from tests.bot.test_events import VALID_CODE
from tests.bot.updates import callback_update, text_update
from tests.events.factories import event_in
from tests.events.helpers import new_event

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def replicas(bot_runtime: Runtime) -> AsyncIterator[tuple[BotHarness, BotHarness]]:
    """Two dispatchers built by the real factory with Redis configured, as on two replicas."""
    bot_runtime.settings = bot_runtime.settings.model_copy(update={"redis_url": REDIS_URL})
    harnesses = []
    for _ in range(2):
        session = RecordingSession()
        bot = create_bot(bot_runtime.settings, session=session)
        dispatcher = create_dispatcher(bot_runtime, flood_limit=10_000)
        harnesses.append(BotHarness(bot_runtime, bot, dispatcher, session))
    yield harnesses[0], harnesses[1]
    for harness in harnesses:
        await close_dispatcher(harness.dispatcher)


async def test_the_sign_up_form_continues_on_whichever_replica_gets_the_update(
    replicas: tuple[BotHarness, BotHarness],
) -> None:
    a, b = replicas
    assert isinstance(a.dispatcher.storage, RedisStorage)
    user_id = 10_000 + uuid.uuid4().int % 1_000_000  # Redis outlives the test database
    event = await new_event(a.runtime.sessions, event_in())

    async def step(replica: BotHarness, *, text: str = "", tap: str = "") -> str:
        before = len(replica.session.of(SendMessage))
        if tap:
            await replica.feed(callback_update(tap, user_id=user_id))
        else:
            await replica.feed(text_update(text, user_id=user_id))
        sent = replica.session.of(SendMessage)
        assert len(sent) > before, "this replica did not carry the form on"
        return str(sent[-1].text)

    # Consecutive updates of one form alternate between the two replicas.
    def question(name: str, n: int) -> str:
        asked = translate("zh", f"bot.events.form.{name}")
        return translate("zh", "bot.events.form.step", n=n, total=6, question=asked)

    assert await step(a, tap=EventCb(action="signup", event_id=event.id).pack()) == question(
        "company_name", 1
    )
    assert await step(b, text="焦作跨副本科技有限公司") == question("credit_code", 2)
    assert await step(a, text=VALID_CODE) == question("county", 3)
    await step(b, tap=FormCb(action="skip").pack())
    await step(a, tap=FormCb(action="yes").pack())
    await step(b, text="王经理")
    summary = await step(a, text="13800138000")
    assert "焦作跨副本科技有限公司" in summary and VALID_CODE in summary
    await b.feed(callback_update(FormCb(action="confirm").pack(), user_id=user_id))

    async with a.runtime.sessions() as session:
        [registration] = list(await session.scalars(select(Registration)))
    assert registration.status == "confirmed"
    assert registration.contact.telegram_chat_id == user_id
    assert await a.dispatcher.storage.get_state(_key(a, user_id)) is None


def _key(harness: BotHarness, user_id: int) -> StorageKey:
    return StorageKey(bot_id=harness.bot.id, chat_id=user_id, user_id=user_id)
