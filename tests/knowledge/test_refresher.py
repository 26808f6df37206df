"""Replicas with their own disks on one database: a new index version reaches the other."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from knowledge.embedding import Embedder
from knowledge.ingest import ingest_bytes
from knowledge.refresher import IndexRefresher
from policydesk.runtime import Runtime, ensure_initialised, open_runtime
from tests.conftest import make_settings
from tests.replicas import sample


@pytest.fixture
async def replica(runtime: Runtime, tmp_path: Path, embedder: Embedder) -> AsyncIterator[Runtime]:
    """A second replica on the same database, started from a copy of the first one's disk
    (as from the container image), then left to follow the database on its own."""
    data = tmp_path / "replica"
    shutil.copytree(runtime.settings.data_dir / "index", data / "index")
    rt = await open_runtime(make_settings(data, runtime.settings.database_url), migrate=False)
    rt.knowledge.embedder = embedder
    await ensure_initialised(rt)
    yield rt
    await rt.close()


async def _ingest_sample(rt: Runtime) -> str:
    text = sample.TEXT.encode()
    async with rt.sessions() as session:
        report = await ingest_bytes(
            session, rt.knowledge, [(f"{sample.SLUG}.txt", text, sample.meta())]
        )
        await session.commit()
    assert report.added == [f"{sample.SLUG}.txt"] and report.version
    return report.version


def _cites_sample(rt: Runtime) -> bool:
    answer = rt.knowledge.ask(sample.QUESTION).to_json()
    return sample.cites_sample(answer["sources"])


async def test_new_version_reaches_the_other_replica_on_the_next_poll(
    runtime: Runtime, replica: Runtime
) -> None:
    assert replica.knowledge.version == runtime.knowledge.version
    assert not _cites_sample(replica)

    version = await _ingest_sample(runtime)
    assert _cites_sample(runtime)
    # Until its next poll the other replica keeps answering from the version it has.
    assert replica.knowledge.version != version and not _cites_sample(replica)

    refresher = IndexRefresher(replica.knowledge, replica.sessions, interval=1.0)
    assert await refresher.check() is True
    assert replica.knowledge.version == version
    # Its disk did not have that version: it rebuilt the same content locally.
    assert (replica.settings.data_dir / "index" / version / "manifest.json").exists()
    assert _cites_sample(replica)
    assert await refresher.check() is False


async def test_a_switch_in_progress_does_not_block_other_callers(
    runtime: Runtime, replica: Runtime
) -> None:
    old = replica.knowledge.version
    await _ingest_sample(runtime)
    async with replica.knowledge._lock, replica.sessions() as session:
        # Someone else is switching (perhaps rebuilding for seconds): answer from the old.
        assert await replica.knowledge.refresh(session) is False
        assert replica.knowledge.version == old
