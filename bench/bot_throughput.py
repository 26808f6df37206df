"""Bot throughput and latency.

1. Question updates per second through the dispatcher, in process (a recording bot
   session: no network), sequentially and 16 at a time.
2. End-to-end latency through the Bot API emulator on loopback: a user sends a question,
   the bot (long polling with aiogram's real HTTP session) answers; p50/p95 of the time
   from sending to the answer being delivered.

Run from the repository root:  python bench/bot_throughput.py [--questions 200] [--db URL]
Prints medians of several rounds; SQLite in a temporary directory unless --db is given.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bot.factory import close_dispatcher, create_bot, create_dispatcher
from bot.runner import start_front_door
from core.settings import Settings
from policydesk.runtime import Runtime, initialise, open_runtime
from testing.botapi_emulator import BotAPIEmulator
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import text_update

QUESTIONS = [
    "知识产权质押融资工作怎么开展?",
    "专利申请有什么资助?",
    "如何申请国家知识产权示范企业?",
    "明天焦作的天气怎么样?",
    "知识产权维权援助找谁?",
    "商标注册有奖励吗?",
]
TOKEN = "4242:BENCH-token"


async def in_process(runtime: Runtime, count: int, concurrency: int) -> float:
    """Updates per second; every update is a question from its own user (no flood limit)."""
    session = RecordingSession()
    bot = create_bot(runtime.settings, session=session)
    dispatcher = create_dispatcher(runtime, flood_limit=10**9)
    users = itertools.count(10_000)
    questions = itertools.cycle(QUESTIONS)
    updates = [text_update(next(questions), user_id=next(users)) for _ in range(count)]
    started = time.perf_counter()
    for start in range(0, count, concurrency):
        batch = updates[start : start + concurrency]
        await asyncio.gather(*(dispatcher.feed_update(bot, u) for u in batch))
    elapsed = time.perf_counter() - started
    assert len(session.texts()) >= count, "some questions were not answered"
    await close_dispatcher(dispatcher)
    return count / elapsed


async def end_to_end(runtime: Runtime, count: int) -> list[float]:
    """Seconds from a user's message to the bot's answer, one question at a time."""
    latencies: list[float] = []
    async with BotAPIEmulator() as emu:
        runtime.settings = runtime.settings.model_copy(
            update={"bot_token": SecretStr(emu.default_token), "telegram_api_base": emu.base_url}
        )
        front = await start_front_door(runtime, polling=True)
        assert front is not None
        try:
            questions = itertools.cycle(QUESTIONS)
            for n in range(count):
                user = 20_000 + n
                started = time.perf_counter()
                emu.send_text(user, next(questions))
                await emu.wait_for_message(user, lambda m: "reply_markup" in m, timeout=30)
                latencies.append(time.perf_counter() - started)
        finally:
            await front.close()
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="", help="database URL (default: temporary SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.db, bot_token=SecretStr(TOKEN))  # type: ignore[call-arg]
        runtime = await open_runtime(settings)
        await initialise(runtime)
        try:
            await in_process(runtime, 20, 1)  # warm-up
            for concurrency in (1, 16):
                rates = [
                    await in_process(runtime, args.questions, concurrency)
                    for _ in range(args.rounds)
                ]
                print(
                    f"dispatcher, in process, concurrency {concurrency:2d}: "
                    f"median {statistics.median(rates):7.1f} updates/s "
                    f"(rounds: {', '.join(f'{r:.1f}' for r in rates)})"
                )
            latencies = await end_to_end(runtime, min(args.questions, 100))
            ms = [1000 * s for s in latencies]
            print(
                f"end to end via emulator ({len(ms)} questions): p50 {percentile(ms, 0.5):.1f} ms, "
                f"p95 {percentile(ms, 0.95):.1f} ms, max {max(ms):.1f} ms"
            )
        finally:
            await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
