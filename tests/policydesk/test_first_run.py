"""First run on a fresh database by two processes at once (two replicas, ``serve
--workers 2``, an ``init`` by hand while the service starts): one migrates and loads the
pack, the other waits and finds the work done. Real processes, as the failure was: on
SQLite the second died with "database is locked"."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.db import create_engine, create_session_factory
from knowledge.embedding import Embedder
from knowledge.models import Document, IndexVersion
from policydesk.runtime import initialise, open_runtime
from tests.conftest import PG_SERVER, REQUIRE_PG, _pg_admin, make_settings
from tests.replicas.processes import ROOT, environment

pytestmark = pytest.mark.slow
# A pack of one short document keeps each process's embedding work to a few chunks.
MEASURES = (
    "示例市专利资助办法\n"
    "第一条　对获得授权的国内发明专利，每件资助5000元。\n"
    "第二条　对获得授权的实用新型专利，每件资助1000元。\n"
)


@pytest.fixture
def small_pack(tmp_path: Path) -> Path:
    documents = tmp_path / "pack" / "documents"
    documents.mkdir(parents=True)
    (documents / "measures.txt").write_text(MEASURES, "utf-8")
    return tmp_path / "pack"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not even migrated: a SQLite file in the data dir, or a new
    PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'policydesk.sqlite3'}"
        return
    name = f"policydesk_first_run_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {exc}")
    yield make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            documents = await session.scalar(select(func.count()).select_from(Document))
            versions = await session.scalar(select(func.count()).select_from(IndexVersion))
        return int(documents or 0), int(versions or 0)
    finally:
        await engine.dispose()


def test_two_processes_initialising_a_fresh_database_load_the_pack_once(
    tmp_path: Path, small_pack: Path, fresh_database: str
) -> None:
    env = environment(
        data_dir=str(tmp_path / "data"), database_url=fresh_database, pack=str(small_pack)
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "policydesk", "init"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, f"{out}\n{err[-3000:]}"
    reports = sorted(out.splitlines()[1] for out, _ in outputs)
    # One loaded the pack; the other waited and found it unchanged.
    assert reports == [
        "documents added 0, updated 0, unchanged 1",
        "documents added 1, updated 0, unchanged 0",
    ]
    assert asyncio.run(_counts(fresh_database)) == (1, 1)


async def test_two_runtimes_loading_the_pack_at_once_load_it_once(
    tmp_path: Path, small_pack: Path, db_url: str, embedder: Embedder
) -> None:
    """The load alone (the schema already migrated, as after ``init`` by a release job)."""
    runtimes = []
    for name in ("a", "b"):
        settings = make_settings(tmp_path / name, db_url, pack=str(small_pack))
        runtime = await open_runtime(settings, migrate=False)
        runtime.knowledge.embedder = embedder
        runtimes.append(runtime)
    try:
        reports = await asyncio.gather(*(initialise(runtime) for runtime in runtimes))
    finally:
        for runtime in runtimes:
            await runtime.close()
    assert sorted((len(r.added), len(r.unchanged)) for r in reports) == [(0, 1), (1, 0)]
    assert await _counts(db_url) == (1, 1)
