"""Run the emulator as a process::

    python -m testing.botapi_emulator --port 8081 --global-rate 30 --per-chat-rate 1 --block 123,456

Prints ``listening on http://HOST:PORT`` (flushed) once ready; stops on SIGINT/SIGTERM.
Drive it over ``/_emu/...`` (see control.py, or ``EmulatorClient``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .models import DEFAULT_TOKEN, RateLimits
from .server import BotAPIEmulator


def _ids(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m testing.botapi_emulator", description=__doc__.splitlines()[0]
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    p.add_argument("--global-rate", type=int, default=None, help="messages per second per bot")
    p.add_argument("--per-chat-rate", type=int, default=None, help="messages per second per chat")
    p.add_argument("--group-rate", type=int, default=None, help="messages per minute per group")
    p.add_argument("--retry-after", type=int, default=None, help="fixed retry_after for 429s")
    p.add_argument(
        "--block", type=_ids, default=[], help="comma-separated chat ids that blocked the bot"
    )
    p.add_argument(
        "--deactivate", type=_ids, default=[], help="comma-separated deactivated user ids"
    )
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="default bot token for user-side actions")
    p.add_argument("--strict-chats", action="store_true", help="unknown chats: 400 chat not found")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start, announce, and wait for a stop signal."""
    limits = RateLimits(args.global_rate, args.per_chat_rate, args.group_rate, args.retry_after)
    emu = BotAPIEmulator(
        args.host,
        args.port,
        rate_limits=limits,
        latency=args.latency,
        default_token=args.token,
        strict_chats=args.strict_chats,
    )
    for chat_id in args.block:
        emu.block(chat_id)
    for user_id in args.deactivate:
        emu.deactivate(user_id)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with emu:
        print(f"listening on {emu.base_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
