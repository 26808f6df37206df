"""Campaign delivery against Telegram-like limits: sustained messages/s and 429 share.

    python -m bench.broadcast [--recipients 900] [--rounds 3] [--database-url URL]

The Bot API emulator runs as its own process at 30 messages/s per bot and 1/s per chat;
one delivery worker (the real aiogram session, the database rate limiter) sends a
campaign to ``--recipients`` subscribers, ``--rounds`` times. Reported per round and as
medians: the sustained rate between the first and the last delivered message, its ratio
to the 30/s limit, and the share of requests answered 429. Goal: >= 97 % with few 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

from bench.common import machine
from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns.ratelimit import DatabaseRateLimiter
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from core.migrate import upgrade
from tests.campaigns.factories import add_subscribers, emulator_settings, start_campaign

LIMIT = 30


async def start_emulator() -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "testing.botapi_emulator", "--port", "0",
        "--global-rate", str(LIMIT), "--per-chat-rate", "1",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode()
    return proc, line.rsplit(" ", 1)[-1].strip()


async def one_round(url: str, base_url: str, recipients: int, start: int) -> tuple[float, float]:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    await add_subscribers(sessions, recipients, start=start)
    async with httpx.AsyncClient(base_url=base_url) as emu:
        await emu.post("/_emu/reset")
        await start_campaign(sessions)
        port = TelegramPort(create_bot(emulator_settings(base_url), wait_on_flood=False))
        limiter = DatabaseRateLimiter(sessions, engine.dialect.name)
        worker = Worker(sessions, port, limiter, WorkerConfig(poll=0.2))
        await worker.run(until_idle=True)
        await port.close()
        calls = (await emu.get("/_emu/requests")).json()["result"]
    await engine.dispose()
    sends = [c for c in calls if c["method"] == "sendMessage"]
    ok = sorted(c["time"] for c in sends if 200 <= c["status"] < 300)
    rate = (len(ok) - 1) / (ok[-1] - ok[0])
    throttled = sum(1 for c in sends if c["status"] == 429) / len(sends)
    return rate, throttled


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await asyncio.to_thread(upgrade, url)
        proc, base_url = await start_emulator()
        try:
            rates, shares = [], []
            for index in range(args.rounds):
                rate, share = await one_round(url, base_url, args.recipients, index * 10**6)
                rates.append(rate)
                shares.append(share)
                print(
                    f"round {index + 1}: {rate:.2f} msg/s ({rate / LIMIT:.1%} of {LIMIT}/s), "
                    f"429 share {share:.2%}",
                    flush=True,
                )
        finally:
            proc.terminate()
            await proc.wait()
    rate = statistics.median(rates)
    print(f"machine: {machine()}")
    print(f"database: {url.split('@')[-1].split('///')[0]}, recipients/round: {args.recipients}")
    print(
        f"median sustained rate {rate:.2f} msg/s = {rate / LIMIT:.1%} of the {LIMIT}/s limit; "
        f"median 429 share {statistics.median(shares):.2%}"
    )


if __name__ == "__main__":
    asyncio.run(main())
