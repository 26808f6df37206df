"""The long-running tasks of one process: loops (index refresher, event reminders, in-process
bot polling, worker) and jobs (a document ingest started by an upload).

They are stopped on shutdown (SIGTERM → uvicorn's lifespan shutdown → ``stop``): loops are
cancelled at once, jobs first get part of the grace time to finish; every task is then
given time to run its ``finally`` blocks, which is where it releases what it holds
(leases, a polling session) or records that it was interrupted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from core import metrics

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._jobs: set[str] = set()
        self._stopping = False

    @property
    def names(self) -> list[str]:
        return [name for name, task in self._tasks.items() if not task.done()]

    def start(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run the loop ``coro`` until stopped; a second task under a running name is refused."""
        if name in self.names:
            coro.close()
            raise RuntimeError(f"background task {name!r} is already running")
        self._stopping = False
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._report)
        self._tasks[name] = task
        log.info("background task %s started", name)
        return task

    def start_job(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro``, a piece of work that ends by itself; shutdown lets it finish first
        (up to half the grace time). It is forgotten once done."""
        task = self.start(name, coro)
        self._jobs.add(name)
        task.add_done_callback(self._forget)
        return task

    def _report(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            if not self._stopping:  # a loop ends only by ``stop``: say who else ended it
                log.warning("background task %s was cancelled outside a shutdown", task.get_name())
        elif task.exception() is not None:
            log.error("background task %s died", task.get_name(), exc_info=task.exception())

    def _forget(self, task: asyncio.Task[Any]) -> None:
        name = task.get_name()
        if self._tasks.get(name) is task:
            del self._tasks[name]
            self._jobs.discard(name)

    async def stop(self, grace: float = 10.0) -> None:
        """Cancel the loops and wait up to ``grace`` seconds for every task: jobs get the
        first half of it to finish, then are cancelled too."""
        self._stopping = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        tasks = [task for task in self._tasks.values() if not task.done()]
        jobs = [task for task in tasks if task.get_name() in self._jobs]
        for task in tasks:
            if task not in jobs:
                task.cancel()
        if jobs:
            log.info("waiting for background jobs: %s", ", ".join(t.get_name() for t in jobs))
            _, unfinished = await asyncio.wait(jobs, timeout=grace / 2)
            for task in unfinished:
                log.warning("background job %s interrupted by the shutdown", task.get_name())
                task.cancel()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - loop.time()))
            for task in pending:
                log.warning("background task %s did not stop in %.0fs", task.get_name(), grace)
            log.info("background tasks stopped: %s", ", ".join(sorted(t.get_name() for t in done)))
        self._tasks.clear()
        self._jobs.clear()


async def every(seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
    """Run ``job`` every ``seconds`` until cancelled (a loop for ``BackgroundTasks.start``).

    A failing round (a database blip, say) is logged and counted in
    ``policydesk_background_errors_total``; the next round tries again.
    """
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            metrics.record_background_error(name)
            log.exception("background task %s failed; next try in %.0fs", name, seconds)
