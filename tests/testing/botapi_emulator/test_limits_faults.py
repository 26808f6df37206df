"""Rate limits, blocked/deactivated users and injected faults, seen through aiogram."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from testing.botapi_emulator import BotAPIEmulator, RateLimits

pytestmark = pytest.mark.asyncio


async def test_per_chat_limit_raises_retry_after(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    botapi_emulator.set_rate_limits(per_chat_per_second=1)
    await emulated_bot.send_message(1, "first")
    with pytest.raises(TelegramRetryAfter) as info:
        await emulated_bot.send_message(1, "second")
    assert info.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in info.value.message
    await emulated_bot.send_message(2, "other chat is fine")
    assert botapi_emulator.rate_limited_count == 1
    # Ignoring retry_after keeps failing; honouring it succeeds.
    with pytest.raises(TelegramRetryAfter):
        await emulated_bot.send_message(1, "still too early")
    await asyncio.sleep(info.value.retry_after)
    await emulated_bot.send_message(1, "after waiting")
    assert botapi_emulator.delivered_texts(1) == ["first", "after waiting"]
    assert botapi_emulator.status_counts[429] == 2


async def test_global_limit_counts_429s(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.rate_limits = RateLimits(global_per_second=5)
    results = await asyncio.gather(
        *(emulated_bot.send_message(100 + i, f"广播 {i}") for i in range(8)), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 3 and all(
        isinstance(e, TelegramRetryAfter) and e.retry_after >= 1 for e in errors
    )
    assert botapi_emulator.rate_limited_count == 3
    assert len(botapi_emulator.sent_messages()) == 5


async def test_fixed_retry_after(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.set_rate_limits(global_per_second=1, retry_after=7)
    await emulated_bot.send_message(1, "a")
    with pytest.raises(TelegramRetryAfter) as info:
        await emulated_bot.send_message(2, "b")
    assert info.value.retry_after == 7


async def test_limits_respected_produce_no_429(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    botapi_emulator.set_rate_limits(global_per_second=10, per_chat_per_second=5)
    # A sender pacing itself: >= 0.115 s between sends (< 10/s); chat 1 gets every other one.
    # Each send starts after the previous answer, so server-side gaps are never shorter.
    for i in range(12):
        await emulated_bot.send_message(1 if i % 2 else 2 + i, f"msg {i}")
        await asyncio.sleep(0.115)
    assert botapi_emulator.rate_limited_count == 0
    assert len(botapi_emulator.sent_messages()) == 12


async def test_group_limit_per_minute(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.set_rate_limits(per_group_per_minute=2)
    await emulated_bot.send_message(-4001, "1")
    await emulated_bot.send_message(-4001, "2")
    with pytest.raises(TelegramRetryAfter) as info:
        await emulated_bot.send_message(-4001, "3")
    assert 1 <= info.value.retry_after <= 60
    await emulated_bot.send_message(7, "private chats are not group-limited")


async def test_blocked_and_deactivated(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.block(11)
    botapi_emulator.deactivate(12)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await emulated_bot.send_message(11, "hi")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await emulated_bot.send_chat_action(11, "typing")
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await emulated_bot.send_message(12, "hi")
    botapi_emulator.unblock(11)
    await emulated_bot.send_message(11, "welcome back")
    assert botapi_emulator.status_counts[403] == 3


async def test_block_with_notify_queues_my_chat_member(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    botapi_emulator.block(13, notify=True)
    updates = await emulated_bot.get_updates()
    member = updates[0].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    assert member.from_user.id == 13


async def test_injected_faults(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    fault = botapi_emulator.inject(method="sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await emulated_bot.send_message(1, "x")
    await emulated_bot.send_message(1, "third try works")
    assert fault.hits == 2 and botapi_emulator.faults == []
    botapi_emulator.inject(status=400, chat_id=2, description="Bad Request: chat not found")
    await emulated_bot.send_message(1, "other chat unaffected")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await emulated_bot.send_message(2, "x")
    botapi_emulator.inject("sendMessage", status=429, retry_after=4)
    with pytest.raises(TelegramRetryAfter) as info:
        await emulated_bot.send_message(1, "x")
    assert info.value.retry_after == 4
    botapi_emulator.inject("getMe", status=None)
    with pytest.raises(TelegramNetworkError):
        await emulated_bot.get_me()
    injected = [c for c in botapi_emulator.requests if c.injected]
    assert [c.status for c in injected] == [502, 502, 400, 429, 0]
    assert botapi_emulator.delivered_texts(1) == ["third try works", "other chat unaffected"]


async def test_latency(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.set_latency(0.2)
    started = time.monotonic()
    await emulated_bot.get_me()
    assert time.monotonic() - started >= 0.2
    botapi_emulator.set_latency(0)
    botapi_emulator.inject("getMe", status=500, delay=0.1)
    started = time.monotonic()
    with pytest.raises(TelegramServerError):
        await emulated_bot.get_me()
    assert time.monotonic() - started >= 0.1
