"""Two ``policydesk serve`` replicas as separate processes on one PostgreSQL and Redis,
each with its own disk: a document uploaded through one is answered by the other within
seconds, and both shut down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from knowledge.service import KnowledgeBase
from tests.conftest import PG_SERVER, REQUIRE_PG, _pg_admin
from tests.replicas import sample
from tests.replicas.processes import Server, environment, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """An empty PostgreSQL database of its own (the replicas migrate it themselves)."""
    name = f"policydesk_replicas_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {exc}")
    yield make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seeded_data_dir(path: Path, knowledge: KnowledgeBase) -> Path:
    """A data dir holding the run's pack index, as the container image holds a baked one."""
    assert knowledge.version is not None
    shutil.copytree(knowledge.root / knowledge.version, path / "index" / knowledge.version)
    return path


def wait_until_cited(server: Server, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if sample.cites_sample(server.ask(sample.QUESTION)["sources"]):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{server.name} never answered from the new document:\n{server.tail()}")


def test_two_replicas_share_knowledge_and_stop_cleanly(
    tmp_path: Path, fresh_pg: str, knowledge: KnowledgeBase
) -> None:
    common = {"database_url": fresh_pg, "redis_url": REDIS_URL, "index_poll_seconds": "1"}
    envs = {
        name: environment(
            data_dir=str(seeded_data_dir(tmp_path / name, knowledge)), log_format="json", **common
        )
        for name in ("a", "b", "uploader")
    }
    run_cli(envs["uploader"], "init")  # once per release, before the replicas
    servers = [Server.start(name, envs[name], tmp_path / f"{name}.log") for name in ("a", "b")]
    try:
        for server in servers:
            ready = server.wait_ready()
            assert ready["checks"]["redis"] == "ok" and ready["checks"]["database"] == "ok"
        a, b = servers
        assert not sample.cites_sample(b.ask(sample.QUESTION)["sources"])

        # An officer uploads through replica a; b learns of it from the database alone.
        token = run_cli(envs["uploader"], "admin", "create-token", "--role", "admin")
        response = httpx.post(
            f"{a.url}/api/v1/admin/documents",
            headers={"Authorization": f"Bearer {token.strip().splitlines()[-1]}"},
            files={"file": (f"{sample.SLUG}.txt", sample.TEXT.encode(), "text/plain")},
            data={"title": sample.TITLE, "issuer": str(sample.meta()["issuer"])},
            timeout=120,
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "done", response.json()
        assert sample.cites_sample(a.ask(sample.QUESTION)["sources"])
        version = a.wait_ready()["checks"]["index"]

        wait_until_cited(b, timeout=60)
        assert b.wait_ready()["checks"]["index"] == version
        # Replica b did not have the version on its disk: it built the same content itself.
        assert (tmp_path / "b" / "index" / version / "manifest.json").exists()
    finally:
        codes = {server.name: server.terminate() for server in servers}
    # uvicorn re-raises the SIGTERM it caught once shutdown is complete.
    assert set(codes.values()) <= {0, -15}, [s.tail() for s in servers]
    for server in servers:
        lines = [json.loads(line) for line in server.tail(200_000).splitlines() if line.strip()]
        messages = [line["msg"] for line in lines]
        assert any(m.startswith("background tasks stopped: index-refresher") for m in messages)
        assert "Application shutdown complete." in messages
        asks = [line for line in lines if line.get("route") == "/api/v1/ask"]
        assert asks and all(line["request_id"] and line["status"] == 200 for line in asks)
