"""Building and running a delivery worker from the process's settings and transports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from campaigns.outbox import DeliveryOutbox
from campaigns.ratelimit import DatabaseRateLimiter, LocalRateLimiter, RateLimiter, RedisRateLimiter
from campaigns.sender import RetryPolicy
from campaigns.worker import Worker, WorkerConfig
from core import metrics
from core.settings import Settings
from core.transport import MessagePort

log = logging.getLogger(__name__)


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        rate=settings.send_rate,
        lease=settings.delivery_lease_seconds,
        retry=RetryPolicy(max_attempts=settings.delivery_max_attempts),
    )


def limiters(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> tuple[RateLimiter, RateLimiter]:
    """(global, per-chat) limiters: Redis when configured, else the database for the global
    rate (shared by all workers) and this process for the per-chat spacing."""
    if settings.redis_url:
        redis = RedisRateLimiter(settings.redis_url)
        return redis, redis
    return DatabaseRateLimiter(sessions, engine.dialect.name), LocalRateLimiter()


def build_worker(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    ports: Mapping[str, MessagePort],
) -> Worker:
    global_limiter, chat_limiter = limiters(settings, engine, sessions)
    return Worker(
        sessions,
        ports,
        global_limiter,
        worker_config(settings),
        chat_limiter=chat_limiter,
    )


async def close_worker(worker: Worker) -> None:
    for port in worker.ports.values():
        await port.close()
    for limiter in {
        id(worker.limiter): worker.limiter,
        id(worker.chat_limiter): worker.chat_limiter,
    }.values():
        if isinstance(limiter, RedisRateLimiter):
            await limiter.close()


async def run_worker(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    ports: Mapping[str, MessagePort],
    *,
    until_idle: bool = False,
) -> None:
    """Run one worker until SIGINT/SIGTERM (or idle): in-flight sends finish, claimed ones
    not sent yet go back to the queue. With ``POLICYDESK_WORKER_METRICS_PORT`` its metrics
    are served on that port meanwhile."""
    worker = build_worker(settings, engine, sessions, ports)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.ExitStack() as exposition:
        if settings.worker_metrics_port:
            port = exposition.enter_context(
                metrics.http_exposition(settings.host, settings.worker_metrics_port)
            )
            log.info("worker metrics at http://%s:%d/metrics", settings.host, port)
        log.info(
            "worker %s started (%.1f msg/s per sending account; channels %s)",
            worker.name,
            worker.config.rate,
            ", ".join(worker.channels),
        )
        try:
            await worker.run(stop, until_idle=until_idle)
        finally:
            await close_worker(worker)
        log.info("worker %s stopped", worker.name)


@contextlib.asynccontextmanager
async def background_worker(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    make_ports: Callable[[], Mapping[str, MessagePort]],
    outbox: DeliveryOutbox | None = None,
) -> AsyncIterator[Worker | None]:
    """A worker running in this process while the block runs (``serve``, ``bot``): it
    sends the outbox of every channel this process has a transport for. None with
    ``POLICYDESK_WORKER_IN_PROCESS=false`` (separate ``policydesk worker`` processes).
    Messages this process writes to ``outbox`` wake it at once."""
    if not settings.worker_in_process:
        yield None
        return
    worker = build_worker(settings, engine, sessions, make_ports())
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="delivery-worker")
    if outbox is not None:
        outbox.listeners.append(worker.wake)
    try:
        yield worker
    finally:
        if outbox is not None:
            outbox.listeners.remove(worker.wake)
        stop.set()
        await task
        await close_worker(worker)
