from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage
from pydantic import SecretStr

from bot.factory import create_bot
from core.settings import Settings
from tests.bot.mocked_session import Failure, RecordingSession


def flood(seconds: int) -> Failure:
    return lambda method: TelegramRetryAfter(method, "Too Many Requests", retry_after=seconds)


@pytest.fixture
def bot_and_session(tmp_path: Path) -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    settings = Settings(bot_token=SecretStr("4242:TEST"))  # type: ignore[call-arg]
    return create_bot(settings, session=session), session


async def test_flood_control_is_waited_out_and_the_call_repeated(
    bot_and_session: tuple[Bot, RecordingSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, session = bot_and_session
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("bot.retry.asyncio.sleep", sleep)
    session.fail_for(7, flood(2), times=2)
    await bot.send_message(7, "你好")
    assert waits == [2, 2]
    assert len(session.of(SendMessage)) == 3


async def test_long_or_repeated_flood_waits_fail_the_call(
    bot_and_session: tuple[Bot, RecordingSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, session = bot_and_session

    async def sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr("bot.retry.asyncio.sleep", sleep)
    session.fail_for(7, flood(60), times=1)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(7, "你好")
    session.fail_for(7, flood(1))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(7, "你好")
    assert len(session.of(SendMessage)) == 1 + 3
