"""Group commit for a worker's deliveries.

Every send needs two durable writes: ``inflight`` before the request (so a crash leaves
an unknown row, never a resend) and the outcome after it. Committing each on its own
would make the database the bottleneck; the journal instead gathers what concurrent sends
queued while the previous commit ran and writes it all in one transaction.

Final outcomes are counted in ``policydesk_deliveries_total`` once their transaction has
committed, so the figures follow the rows: a retry waiting for its next attempt is not
counted, a commit that failed (and is tried again) is not counted twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import store
from campaigns.models import DeliveryStatus
from campaigns.store import Change
from core import metrics
from core.db import utcnow, write_transaction

log = logging.getLogger(__name__)
FINAL: dict[str, metrics.DeliveryOutcome] = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.BLOCKED: "blocked",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.UNKNOWN: "unknown",  # the answer was lost: perhaps delivered
}


class Journal:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], worker: str, lease: timedelta
    ) -> None:
        self._sessions = sessions
        self._worker = worker
        self._lease = lease
        self._admissions: dict[int, asyncio.Future[bool]] = {}
        self._changes: list[Change] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.commits = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"journal-{self._worker}")

    async def admit(self, delivery_id: int) -> bool:
        """Durably mark the delivery in flight; False when it must not be sent."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._admissions[delivery_id] = future
        self._poke()
        return await future

    def record(self, change: Change) -> None:
        """Queue an outcome; it is written with the next commit."""
        self._changes.append(change)
        self._poke()

    async def flush(self) -> None:
        """Wait until everything queued so far is committed."""
        while self._changes or self._admissions or not self._idle.is_set():
            self._poke()
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        await self.flush()
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._closing and not (self._changes or self._admissions):
                return
            admissions, self._admissions = self._admissions, {}
            changes, self._changes = self._changes, []
            try:
                go = await self._commit(list(admissions), changes)
            except Exception:  # a failed commit sends nothing and keeps the outcomes
                log.exception("journal commit failed; retrying outcomes, refusing admissions")
                self._changes[:0] = changes
                for future in admissions.values():
                    future.set_result(False)
                await asyncio.sleep(0.5)
                self._wake.set()
                continue
            for delivery_id, future in admissions.items():
                future.set_result(delivery_id in go)
            if not (self._changes or self._admissions):
                self._idle.set()

    async def _commit(self, ids: list[int], changes: list[Change]) -> set[int]:
        blocked = 0
        async with write_transaction(self._sessions) as session:
            await store.record(session, self._worker, changes)
            go: set[int] = set()
            if ids:
                sendable, blocked = await store.admit(
                    session, self._worker, ids, utcnow(), self._lease
                )
                go = set(sendable)
        self.commits += 1
        # Every change applies: an in-flight row changes only through this worker's
        # outcome or the reaper, which leaves it this worker's (unknown) for the truth.
        outcomes = Counter(FINAL[c.status] for c in changes if c.status in FINAL)
        # Subscribers known to have blocked the bot are closed before their request.
        outcomes["blocked"] += blocked
        for outcome, count in outcomes.items():
            if count:
                metrics.record_delivery(outcome, count)
        return go
