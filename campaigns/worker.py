"""The delivery worker: claims deliveries (campaigns' and service messages), paces them
through the shared rate limiter and sends them through their channel's transport,
recording each one in flight before its request.

Run one per process (``policydesk worker``; ``policydesk serve`` runs one in-process);
several on PostgreSQL share the work through ``FOR UPDATE SKIP LOCKED`` claims with leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import uuid
from asyncio import FIRST_COMPLETED
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import service, store
from campaigns.journal import Journal
from campaigns.models import Campaign
from campaigns.ratelimit import LocalRateLimiter, RateLimiter
from campaigns.sender import RetryPolicy, decide
from campaigns.store import Claimed
from core import metrics
from core.db import utcnow, write_transaction
from core.outbox import TELEGRAM
from core.transport import MessagePort, Outcome, OutgoingMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    rate: float = 29.5  # messages/s per bot token, all workers together (Telegram: ~30)
    chat_interval: float = 1.0  # seconds between two messages to one chat
    lease: float = 60.0  # claims and in-flight marks; longer than the request timeout
    batch: int = 200
    poll: float = 1.0
    concurrency: int = 200  # requests in flight at once
    reserve_ahead: float = 0.25  # seconds of rate slots reserved per limiter call
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def claim_size(self) -> int:
        """No more than a third of a lease's worth of sends, so claims rarely expire."""
        return max(1, min(self.batch, int(self.rate * self.lease / 3)))


@dataclass
class _Pace:
    """The send slots this worker holds for one sending account (a rate-limit key)."""

    slots: deque[float] = field(default_factory=deque)
    hold_until: float = 0.0
    last_slot: float = 0.0


class Worker:
    """Sends campaign deliveries and service messages through a transport per channel
    (``{"telegram": …, "web": …}``; a single port is Telegram's). Rows on a channel this
    worker has no transport for are left to a worker that has one."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        port: MessagePort | Mapping[str, MessagePort],
        limiter: RateLimiter | None = None,
        config: WorkerConfig | None = None,
        *,
        chat_limiter: RateLimiter | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.ports: dict[str, MessagePort] = (
            dict(port) if isinstance(port, Mapping) else {TELEGRAM: port}
        )
        if not self.ports:
            raise ValueError("a worker needs at least one transport")
        self.port = self.ports.get(TELEGRAM) or next(iter(self.ports.values()))
        self.channels = sorted(self.ports)
        self.config = config or WorkerConfig()
        self.limiter = limiter or LocalRateLimiter()
        self.chat_limiter = chat_limiter or LocalRateLimiter()
        self.name = name or f"w-{uuid.uuid4().hex[:12]}"
        self.lease = timedelta(seconds=self.config.lease)
        self.journal = Journal(sessions, self.name, self.lease)
        self._pace: dict[str, _Pace] = {}
        self._messages: dict[int, OutgoingMessage] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(self.config.concurrency)
        self._woken = asyncio.Event()
        self.requests = 0
        self.throttled = 0

    async def run(self, stop: asyncio.Event | None = None, *, until_idle: bool = False) -> None:
        """Deliver until ``stop`` is set (or, with ``until_idle``, until no campaign is open)."""
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        self.journal.start()
        next_housekeeping = 0.0
        try:
            while not stop.is_set():
                if loop.time() >= next_housekeeping:
                    await self.housekeeping()
                    next_housekeeping = loop.time() + self.config.poll
                batch = await self._claim()
                if batch:
                    await self._dispatch(batch, stop)
                    continue
                if until_idle:
                    await self._drain()
                    await self.housekeeping()
                    if not await self._open_work():
                        break
                await self._idle(stop)
        finally:
            await self._drain()
            await self.journal.close()

    async def send_due(self, *, campaigns: bool = True) -> None:
        """Send what can be sent now, then return (a one-shot run: tests, the bot's test
        harness). Unlike ``run(until_idle=True)`` it does not wait for scheduled campaigns
        or for retries that are not due yet; with ``campaigns=False`` it sends only the
        service messages (answers, notices)."""
        self.journal.start()
        try:
            await self.housekeeping()
            while batch := await self._claim(campaigns):
                await self._dispatch(batch, asyncio.Event())
                await self._drain()
            await self.housekeeping()
        finally:
            await self._drain()
            await self.journal.close()

    def wake(self) -> None:
        """Something was just written to the outbox: look now, not at the next poll."""
        self._woken.set()

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait for the next poll, a wake-up or the stop, whichever comes first."""
        if self._woken.is_set():
            self._woken.clear()
            return
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
        try:
            await asyncio.wait(waits, timeout=self.config.poll, return_when=FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        self._woken.clear()

    async def housekeeping(self) -> None:
        """Start due scheduled campaigns, reap expired leases, close finished campaigns;
        publish the number of deliveries waiting."""
        now = utcnow()
        async with self.sessions() as session:
            if not await store.needs_housekeeping(session, now):
                metrics.set_queue_depth(0)  # nothing is sending
                return
        async with write_transaction(self.sessions) as session:
            await service.start_due(session, now)
            released, lost = await store.reap(session, now)
            done = await store.finish_done(session, now)
        if lost:
            metrics.record_delivery("unknown", lost)
            log.warning("%d deliveries were in flight on a lost worker: counted unknown", lost)
        if released:
            log.info("%d claimed deliveries of a lost worker returned to the queue", released)
        for campaign_id in done:
            log.info("campaign %d done", campaign_id)
        async with self.sessions() as session:
            metrics.set_queue_depth(await store.queue_depth(session))

    async def _open_work(self) -> bool:
        async with self.sessions() as session:
            return await store.has_open_work(session, self.channels)

    async def _claim(self, campaigns: bool = True) -> list[Claimed]:
        async with self.sessions() as session:
            if not await store.has_claimable(session, utcnow(), self.channels, campaigns):
                return []
        async with write_transaction(self.sessions) as session:
            batch = await store.claim(
                session,
                self.name,
                utcnow(),
                self.lease,
                self.config.claim_size,
                self.channels,
                campaigns,
            )
            wanted = {c.campaign_id for c in batch if c.campaign_id is not None}
            missing = wanted - set(self._messages)
            if missing:
                rows = await session.scalars(select(Campaign).where(Campaign.id.in_(missing)))
                for campaign in rows:
                    self._messages[campaign.id] = service.message_of(campaign)
        return batch

    async def _dispatch(self, batch: list[Claimed], stop: asyncio.Event) -> None:
        """Send the claimed batch at the pace allowed; on ``stop``, give back at once what
        has not been handed to a send yet (others claim it without waiting for the lease)."""
        for index, item in enumerate(batch):
            if not await self._paced(item, stop):
                async with write_transaction(self.sessions) as session:
                    await store.release(session, self.name, [c.id for c in batch[index:]])
                log.info("stopping: %d claimed deliveries released", len(batch) - index)
                return
            await self._gate.acquire()
            task = asyncio.create_task(self._deliver(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _paced(self, item: Claimed, stop: asyncio.Event) -> bool:
        """Wait for the next global slot and for the chat's spacing; False once stopping.
        A transport without a rate limit (the web chat) goes at once."""
        port = self.ports[item.channel]
        if stop.is_set():
            return False
        if not getattr(port, "paced", True):
            return True
        if not await self._wait_for_slot(port.bot_key, stop):
            return False
        chat_wait = await self.chat_limiter.reserve(
            f"{port.bot_key}:chat:{item.address}", 1, self.config.chat_interval
        )
        return await _sleep(chat_wait, stop)

    async def _wait_for_slot(self, key: str, stop: asyncio.Event) -> bool:
        """Sleep until this worker's next reserved slot of the account ``key``; False if
        stopped meanwhile."""
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.config.rate
        pace = self._pace.setdefault(key, _Pace())
        while True:
            now = loop.time()
            if pace.hold_until > now:
                pace.slots.clear()
                if not await _sleep(pace.hold_until - now, stop):
                    return False
                continue
            # A slot left unused for longer than one interval is gone: using it late
            # would burst against the slots other workers reserved since.
            while pace.slots and pace.slots[0] < now - interval:
                pace.slots.popleft()
            if not pace.slots:
                count = max(1, math.ceil(self.config.rate * self.config.reserve_ahead))
                wait = await self.limiter.reserve(key, count, interval)
                base = loop.time() + wait
                pace.slots.extend(base + i * interval for i in range(count))
            # Chunks are placed from a clock read over the network: jitter could bring two
            # slots together at a chunk boundary. Locally, never closer than one interval.
            slot = max(pace.slots.popleft(), pace.last_slot + interval)
            pace.last_slot = slot
            if not await _sleep(slot - now, stop):
                return False
            if pace.hold_until <= loop.time():
                return True

    def _message_of(self, item: Claimed) -> OutgoingMessage:
        if item.campaign_id is None:  # a service message: plain text for the transport
            return OutgoingMessage(item.text or "", plain=True, header_key=item.header_key)
        message = self._messages[item.campaign_id]
        if item.text is not None:
            message = dataclasses.replace(message, text=item.text)
        return message

    async def _deliver(self, item: Claimed) -> None:
        try:
            if not await self.journal.admit(item.id):
                return
            self.requests += 1
            port = self.ports[item.channel]
            result = await port.send(item.address, self._message_of(item))
            if result.outcome == Outcome.RETRY_AFTER:
                await self._throttled(port.bot_key, result.retry_after)
            self.journal.record(
                decide(item.id, item.attempts + 1, result, utcnow(), self.config.retry)
            )
        except Exception:  # the row stays in flight; its lease makes it unknown, not resent
            log.exception("delivery %d: unexpected error during the send", item.id)
        finally:
            self._gate.release()

    async def _throttled(self, key: str, retry_after: float) -> None:
        """The channel said "too many" (Telegram 429): every worker on this account waits
        ``retry_after``."""
        self.throttled += 1
        seconds = max(retry_after, 1.0)
        pace = self._pace.setdefault(key, _Pace())
        pace.hold_until = max(pace.hold_until, asyncio.get_running_loop().time() + seconds)
        pace.slots.clear()
        await self.limiter.hold(key, seconds)

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.journal.flush()


async def _sleep(seconds: float, stop: asyncio.Event) -> bool:
    """Sleep ``seconds``; whether to go on. A long wait (a 429's hold, a busy shared rate)
    ends as soon as ``stop`` is set; short pacing sleeps stay plain ``asyncio.sleep``,
    which keeps sends evenly spaced (waking through a timeout bunched them measurably)."""
    if seconds >= 1.0 and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await stop.wait()
    elif seconds > 0:
        await asyncio.sleep(seconds)
    return not stop.is_set()
