"""Sign-up throughput under contention: N concurrent registrations for one event.

Every sign-up takes the event's lock (BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on
PostgreSQL), so sign-ups for one event are serialised by design; this measures what that
costs. Prints the median of several rounds: wall time, sign-ups per second, and the ratio
of concurrent to sequential time per sign-up.

Run from the repository root:
  python bench/event_signup.py [--signups 100] [--rounds 3] [--db postgresql+asyncpg://...]
SQLite in a temporary directory unless --db is given (the database must be migrated and
disposable: the bench empties the event tables).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete

from core.db import create_engine, create_session_factory
from core.migrate import upgrade
from events.models import Company, Event
from events.registration import register
from events.schemas import CompanyIn, ContactIn, RegistrationIn
from events.service import create_event
from tests.events.factories import event_in, make_credit_code


def form(n: int) -> RegistrationIn:
    return RegistrationIn(
        company=CompanyIn(name=f"企业{n}", credit_code=make_credit_code(random.Random(n))),
        contact=ContactIn(name="联系人", phone=f"139{n:08d}"),
    )


async def one_round(url: str, signups: int, concurrent: bool) -> float:
    engine = create_engine(url, pool_size=10, max_overflow=max(signups - 10, 0))
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await session.execute(delete(Event))
        await session.execute(delete(Company))
        event = await create_event(session, event_in(capacity=signups // 2))
        await session.commit()
    forms = [form(n) for n in range(signups)]
    started = time.perf_counter()
    if concurrent:
        await asyncio.gather(*(register(sessions, event.id, f) for f in forms))
    else:
        for f in forms:
            await register(sessions, event.id, f)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signups", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(upgrade, url)
        for mode in ("sequential", "concurrent"):
            times = [
                await one_round(url, args.signups, mode == "concurrent") for _ in range(args.rounds)
            ]
            median = statistics.median(times)
            print(
                f"{mode:10s} {args.signups} sign-ups: median {median:.2f} s, "
                f"{args.signups / median:.0f}/s, {1000 * median / args.signups:.1f} ms each"
            )


if __name__ == "__main__":
    asyncio.run(main())
