"""Background tasks stop on shutdown and get to release what they hold."""

from __future__ import annotations

import asyncio

import pytest

from core.background import BackgroundTasks


async def test_stop_cancels_and_lets_tasks_clean_up() -> None:
    tasks = BackgroundTasks()
    released: list[str] = []
    started = asyncio.Event()

    async def holds_a_lease() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # clean-up may itself await (e.g. an UPDATE)
            released.append("lease")

    tasks.start("worker", holds_a_lease())
    await started.wait()
    assert tasks.names == ["worker"]
    with pytest.raises(RuntimeError):
        tasks.start("worker", holds_a_lease())
    await tasks.stop(grace=5)
    assert released == ["lease"] and tasks.names == []


async def test_stop_gives_up_on_a_task_that_ignores_cancellation() -> None:
    tasks = BackgroundTasks()
    gate = asyncio.Event()

    async def stubborn() -> None:
        while not gate.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    task = tasks.start("stubborn", stubborn())
    await asyncio.sleep(0)
    await tasks.stop(grace=0.05)
    assert not task.done()
    gate.set()
    task.cancel()
    await asyncio.wait([task], timeout=1)


async def test_stop_cancels_loops_at_once_and_lets_jobs_finish() -> None:
    tasks = BackgroundTasks()
    events: list[str] = []
    gate = asyncio.Event()

    async def refresher() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            events.append("loop stopped")

    async def ingest() -> None:
        await gate.wait()
        events.append("job done")

    tasks.start("refresher", refresher())
    job = tasks.start_job("ingest-job-1", ingest())
    assert tasks.names == ["refresher", "ingest-job-1"]
    stopping = asyncio.create_task(tasks.stop(grace=60))
    for _ in range(5):
        await asyncio.sleep(0)
    assert events == ["loop stopped"] and not stopping.done()
    gate.set()
    await stopping
    assert events == ["loop stopped", "job done"] and not job.cancelled()
    assert tasks.names == []
