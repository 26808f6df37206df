"""Schemathesis over the whole OpenAPI schema, every operation, with an admin token:
no server error, every status code and body as documented.

The app runs under uvicorn on loopback in its own thread and event loop (schemathesis
calls it synchronously), over SQLite with the bundled pack.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from core.tokens import create_token
from policydesk.runtime import initialise, open_runtime
from tests.conftest import make_settings
from tests.web.conftest import CachingEmbedder

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class LiveApi:
    """The app on a loopback port, served from a thread with its own event loop."""

    def __init__(self, data: Path, url: str, embedder: CachingEmbedder) -> None:
        self.data, self.url, self.embedder = data, url, embedder
        self.ready = threading.Event()
        self.base = ""
        self.token = ""
        self.token_id = 0
        self.server: uvicorn.Server | None = None
        self.error: BaseException | None = None

    async def _serve(self) -> None:
        runtime = await open_runtime(
            make_settings(self.data, self.url, rate_limit="100000/minute"), migrate=False
        )
        runtime.knowledge.embedder = self.embedder
        await initialise(runtime)
        async with runtime.sessions() as session:
            row, self.token = await create_token(session, "admin", "schemathesis")
            self.token_id = row.id
            await session.commit()
        config = uvicorn.Config(
            create_app(runtime=runtime), host="127.0.0.1", port=0, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        serving = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"
        self.ready.set()
        await serving
        await runtime.close()

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced to the test thread
            self.error = exc
            self.ready.set()


def serve_live(api: LiveApi) -> Iterator[LiveApi]:
    """Run ``api`` in its thread for the duration of a fixture."""
    thread = threading.Thread(target=api.run, daemon=True)
    thread.start()
    api.ready.wait()
    if api.error:
        raise api.error
    yield api
    assert api.server is not None
    api.server.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def live_api(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    cached_embedder: CachingEmbedder,
) -> Iterator[LiveApi]:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, folder / "db.sqlite3")
    url = f"sqlite+aiosqlite:///{folder / 'db.sqlite3'}"
    yield from serve_live(LiveApi(folder / "data", url, cached_embedder))


def test_every_operation_keeps_to_its_schema(live_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, [op.label for op in operations]  # the schema really was read
    headers = {"Authorization": f"Bearer {live_api.token}"}
    failures: list[str] = []
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, 6), (GenerationMode.NEGATIVE, 3)):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                if case.method == "DELETE" and case.path_parameters.get("token_id") == (
                    live_api.token_id
                ):
                    case.path_parameters["token_id"] = live_api.token_id + 1_000_000
                case.call_and_validate(base_url=live_api.base, headers=headers, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' failure groups
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
