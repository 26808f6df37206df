"""The long-running tasks of one process (index refresher, in-process bot polling, worker).

They start with the process and are stopped on shutdown (SIGTERM → uvicorn's lifespan
shutdown → ``stop``): each is cancelled and given time to run its ``finally`` blocks,
which is where a task releases what it holds (leases, a polling session).
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

    @property
    def names(self) -> list[str]:
        return [name for name, task in self._tasks.items() if not task.done()]

    def start(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` until stopped; a second task under a running name is refused."""
        if name in self.names:
            coro.close()
            raise RuntimeError(f"background task {name!r} is already running")
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._report)
        self._tasks[name] = task
        log.info("background task %s started", name)
        return task

    @staticmethod
    def _report(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s died", task.get_name(), exc_info=task.exception())

    async def stop(self, grace: float = 10.0) -> None:
        """Cancel every task and wait up to ``grace`` seconds for their clean-up."""
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                log.warning("background task %s did not stop in %.0fs", task.get_name(), grace)
            log.info("background tasks stopped: %s", ", ".join(t.get_name() for t in done))
        self._tasks.clear()


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
