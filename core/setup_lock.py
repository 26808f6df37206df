"""One process at a time sets up the database: migrations, then loading the knowledge pack.

Processes started together on a fresh install (two replicas, ``serve --workers 2``, an
``init`` by hand while the service starts) would otherwise do it at the same moment: on
SQLite the loser fails with "database is locked", on PostgreSQL two may load the same
pack. The first to take the lock does the work; the others wait for it and then find the
work done (the schema at head, the pack unchanged).

SQLite: an exclusive ``flock`` on a file beside the database, which every process that
opens that database shares. PostgreSQL: a session advisory lock on a connection of its
own, so that it spans every transaction of the work.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from core.db import create_engine

log = logging.getLogger(__name__)
ADVISORY_KEY = 7_007_002  # pg_advisory_lock key, per database
POLL_SECONDS = 0.2  # how often a waiting process tries the SQLite lock file again


@asynccontextmanager
async def setup_lock(url: str) -> AsyncIterator[None]:
    """Hold the database's setup lock for the block, waiting for it if another has it."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        async with _advisory_lock(url):
            yield
    elif backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database)
        async with _file_lock(database.with_name(f"{database.name}.setup-lock")):
            yield
    else:  # a private in-memory database: nobody else to wait for
        yield


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # Tried without blocking and retried after a sleep: the event loop keeps running,
        # and a cancelled wait leaves no thread behind that would take the lock later.
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    log.info("another process is setting up the database; waiting for it")
                    waiting = True
                await asyncio.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


@asynccontextmanager
async def _advisory_lock(url: str) -> AsyncIterator[None]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            # Autocommit: the lock belongs to the session, no transaction stays open.
            conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
            key = {"key": ADVISORY_KEY}
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
                log.info("another process is setting up the database; waiting for it")
                await conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
    finally:
        await engine.dispose()  # closing the connection would release the lock too
