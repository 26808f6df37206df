"""The production shape as separate processes on one PostgreSQL and Redis: two
``policydesk serve`` replicas (each with its own disk, no in-process worker), two
``policydesk worker`` processes and the Bot API emulator on loopback.

A document uploaded through one replica is answered by the other within seconds; a
campaign created through one replica reaches every subscriber exactly once through the
two workers and is reported done by the other replica; every process stops cleanly on
SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from campaigns.models import Delivery
from campaigns.subscribers import Subscriber
from core.db import create_engine, create_session_factory
from knowledge.service import KnowledgeBase
from tests.api.test_observability import sample
from tests.campaigns.factories import add_subscribers
from tests.conftest import PG_SERVER, REQUIRE_PG, _pg_admin
from tests.replicas import sample as sample_document
from tests.replicas.processes import Emulator, Server, Worker, environment, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
log = logging.getLogger(__name__)
REDIS_URL = "redis://127.0.0.1:6379/0"
SUBSCRIBERS = 300
BLOCKED_EVERY = 25  # every 25th subscriber has blocked the bot on Telegram's side


@dataclass
class Cluster:
    envs: dict[str, dict[str, str]]
    emulator: Emulator
    servers: list[Server]
    workers: list[Worker]
    database_url: str
    chats: list[int]
    blocked: set[int]
    bot_token: str

    def admin_token(self) -> str:
        out = run_cli(self.envs["uploader"], "admin", "create-token", "--role", "admin")
        return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def fresh_pg() -> Iterator[str]:
    """An empty PostgreSQL database of its own (``policydesk init`` migrates it)."""
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


async def _seed(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        return await add_subscribers(create_session_factory(engine), SUBSCRIBERS)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, fresh_pg: str, knowledge: KnowledgeBase
) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    # A bot of its own: rate-limit keys in the shared Redis are per bot.
    bot_token = f"{secrets.randbelow(10**9) + 10**9}:cluster-{uuid.uuid4().hex}"
    emulator = Emulator.start(tmp / "emulator.log", "--global-rate", "30", "--per-chat-rate", "1")
    common = {
        "database_url": fresh_pg,
        "redis_url": REDIS_URL,
        "index_poll_seconds": "1",
        "log_format": "json",
        "bot_token": bot_token,
        "telegram_api_base": emulator.base_url,
        "bot_polling": "false",  # updates would come by webhook; not under test here
        "worker_in_process": "false",  # only the two worker processes deliver
    }
    envs = {
        name: environment(data_dir=str(seeded_data_dir(tmp / name, knowledge)), **common)
        for name in ("a", "b", "uploader")
    }
    envs |= {name: environment(data_dir=str(tmp / name), **common) for name in ("w1", "w2")}
    processes: list[Emulator | Server | Worker] = [emulator]
    try:
        run_cli(envs["uploader"], "init")  # once per release, before the replicas
        chats = asyncio.run(_seed(fresh_pg))
        blocked = set(chats[::BLOCKED_EVERY])
        for chat_id in blocked:
            emulator.call("block", chat_id=chat_id)
        servers = [Server.start(name, envs[name], tmp / f"{name}.log") for name in ("a", "b")]
        processes += servers
        workers = [Worker.start(name, envs[name], tmp / f"{name}.log") for name in ("w1", "w2")]
        processes += workers
        for server in servers:
            ready = server.wait_ready()
            assert ready["checks"]["redis"] == "ok" and ready["checks"]["database"] == "ok"
        for worker in workers:
            worker.wait_ready()
        yield Cluster(envs, emulator, servers, workers, fresh_pg, chats, blocked, bot_token)
    finally:
        for process in reversed(processes):
            process.terminate()


def wait_until_cited(server: Server, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if sample_document.cites_sample(server.ask(sample_document.QUESTION)["sources"]):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{server.name} never answered from the new document:\n{server.tail()}")


def test_a_document_uploaded_through_one_replica_is_answered_by_the_other(
    cluster: Cluster,
) -> None:
    a, b = cluster.servers
    assert not sample_document.cites_sample(b.ask(sample_document.QUESTION)["sources"])

    # An officer uploads through replica a; b learns of it from the database alone.
    response = httpx.post(
        f"{a.url}/api/v1/admin/documents",
        headers={"Authorization": f"Bearer {cluster.admin_token()}"},
        files={
            "file": (
                f"{sample_document.SLUG}.txt",
                sample_document.TEXT.encode(),
                "text/plain",
            )
        },
        data={"title": sample_document.TITLE, "issuer": str(sample_document.meta()["issuer"])},
        timeout=120,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "done", response.json()
    assert sample_document.cites_sample(a.ask(sample_document.QUESTION)["sources"])
    version = a.wait_ready()["checks"]["index"]

    wait_until_cited(b, timeout=60)
    assert b.wait_ready()["checks"]["index"] == version
    # Replica b did not have the version on its disk: it built the same content itself.
    index = Path(cluster.envs["b"]["POLICYDESK_DATA_DIR"]) / "index" / version
    assert (index / "manifest.json").exists()


def wait_for_campaign(server: Server, headers: dict[str, str], campaign_id: int) -> dict[str, Any]:
    for _ in range(600):  # polls while the campaign goes out, not a time limit on it
        server.check_alive()
        response = httpx.get(
            f"{server.url}/api/v1/admin/campaigns/{campaign_id}", headers=headers, timeout=10
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] not in {"sending", "scheduled"}:
            return body
        time.sleep(0.5)
    raise AssertionError(f"campaign {campaign_id} still {body['status']}: {body['stats']}")


def worker_figures(worker: Worker) -> dict[str, float]:
    text = worker.metrics()
    figures = {
        outcome: sample(text, "policydesk_deliveries_total", outcome=outcome)
        for outcome in ("sent", "blocked", "failed", "unknown")
    }
    return {**figures, "depth": sample(text, "policydesk_delivery_queue_depth")}


async def _sent_by_worker(database_url: str) -> tuple[Counter[str], set[int]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            names = Counter(
                await session.scalars(select(Delivery.worker).where(Delivery.status == "sent"))
            )
            blocked = set(
                await session.scalars(select(Subscriber.chat_id).where(Subscriber.blocked))
            )
        return names, blocked
    finally:
        await engine.dispose()


def test_a_campaign_started_on_one_replica_reaches_everyone_once_through_two_workers(
    cluster: Cluster,
) -> None:
    a, b = cluster.servers
    headers = {"Authorization": f"Bearer {cluster.admin_token()}"}
    created = httpx.post(
        f"{a.url}/api/v1/admin/campaigns",
        json={"title": "4·26 宣传周", "text": "<b>4·26</b> 知识产权宣传周 &amp; 政策解读会"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    started = httpx.post(
        f"{a.url}/api/v1/admin/campaigns/{campaign_id}/start", headers=headers, timeout=30
    )
    assert started.status_code == 200, started.text
    assert started.json()["stats"]["targeted"] == SUBSCRIBERS

    # Replica b, which took no part, reports the campaign done with consistent figures.
    done = wait_for_campaign(b, headers, campaign_id)
    eligible = set(cluster.chats) - cluster.blocked
    assert done["status"] == "done", done
    stats = done["stats"]
    assert stats | {"rate": 0, "duration": 0} == {
        "targeted": SUBSCRIBERS,
        "sent": len(eligible),
        "blocked": len(cluster.blocked),
        "failed": 0,
        "unknown": 0,
        "skipped": 0,
        "cancelled": 0,
        "remaining": 0,
        "rate": 0,
        "duration": 0,
        "out_of_window": 0,
        "by_channel": {"telegram": {"sent": len(eligible), "blocked": len(cluster.blocked)}},
    }

    # The emulator saw each eligible chat get the message once; blocked chats were tried once.
    calls = [
        call
        for call in cluster.emulator.call("requests")
        if call["method"] == "sendMessage" and call["token"] == cluster.bot_token
    ]
    delivered = Counter(int(call["chat_id"]) for call in calls if call["status"] == 200)
    refused = Counter(int(call["chat_id"]) for call in calls if call["status"] == 403)
    assert delivered == dict.fromkeys(eligible, 1)
    assert refused == dict.fromkeys(cluster.blocked, 1)
    texts = {call["message"]["text"] for call in calls if call["status"] == 200}
    assert texts == {"4·26 知识产权宣传周 & 政策解读会"}

    # Only the two worker processes sent, and the database marks the blocked subscribers.
    by_worker, marked_blocked = asyncio.run(_sent_by_worker(cluster.database_url))
    names = {worker.worker_name: worker for worker in cluster.workers}
    assert set(by_worker) <= set(names)
    assert marked_blocked == cluster.blocked
    # Each worker's own /metrics counts what it sent (counted just after each commit).
    for name, worker in names.items():
        expected = {"sent": by_worker[name], "depth": 0}
        for _ in range(100):
            figures = worker_figures(worker)
            if {k: figures[k] for k in expected} == expected:
                break
            time.sleep(0.2)
        assert {k: figures[k] for k in expected} == expected, (worker.name, figures)
        assert figures["failed"] == figures["unknown"] == 0
    blocked_counted = sum(worker_figures(w)["blocked"] for w in cluster.workers)
    assert blocked_counted == len(cluster.blocked)
    # Both usually take part; which one sends what is up to the claims, so only logged.
    log.warning("campaign split between the workers: %s", dict(by_worker))


def test_every_process_stops_cleanly_on_sigterm(cluster: Cluster) -> None:
    for server in cluster.servers:
        server.ask(sample_document.QUESTION)  # a request of its own in the log
    processes = [*cluster.servers, *cluster.workers]
    codes = {process.name: process.terminate() for process in processes}
    # uvicorn re-raises the SIGTERM it caught once shutdown is complete.
    assert set(codes.values()) <= {0, -15}, [p.tail() for p in processes]
    for worker in cluster.workers:
        assert codes[worker.name] == 0, worker.tail()
        messages = [line["msg"] for line in worker.json_lines()]
        assert f"worker {worker.worker_name} stopped" in messages
    for server in cluster.servers:
        lines = server.json_lines()
        messages = [line["msg"] for line in lines]
        stopped = [m for m in messages if m.startswith("background tasks stopped: ")]
        assert stopped, server.tail()
        assert "index-refresher" in stopped[-1].split(": ", 1)[1].split(", "), server.tail()
        assert "Application shutdown complete." in messages, server.tail()
        asks = [line for line in lines if line.get("route") == "/api/v1/ask"]
        assert asks and all(line["request_id"] and line["status"] == 200 for line in asks)
