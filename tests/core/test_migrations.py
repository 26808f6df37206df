"""The migration stairway: every revision upgrades, downgrades and upgrades again."""

from __future__ import annotations

import asyncio

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from core.db import Base, create_engine
from core.migrate import alembic_config, downgrade, upgrade
from core.registry import load_all_models


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_one_head_only() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_stairway(backend: str, tmp_path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database")
        downgrade(url, "base")
    previous = "base"
    for revision in revisions():
        upgrade(url, revision)
        downgrade(url, previous)
        upgrade(url, revision)
        previous = revision
    assert set(_tables(url)) >= _model_tables()


def _model_tables() -> set[str]:
    load_all_models()
    return set(Base.metadata.tables)


def _tables(url: str) -> list[str]:
    async def read() -> list[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        await engine.dispose()
        return names

    return asyncio.run(read())
