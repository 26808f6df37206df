"""Hostile values on every operation of the OpenAPI schema, public and admin, on SQLite and
PostgreSQL: no server error, and control characters refused with a 422 at the edge.

Schemathesis draws one valid request per operation; each is then sent again with one value
replaced by what a probe or a careless client sends: NUL and other control characters, a
lone surrogate, NaN / Infinity / 1e999, integers beyond 64 bits, ids beyond the database's
32-bit range or not integers at all, 3,000-character names, a 400-character upload name.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from sqlalchemy import select

from core.db import create_engine, create_session_factory
from core.officers import Officer, create_officer
from tests.conftest import _truncate_all
from tests.web.conftest import OFFICER_PASSWORD, CachingEmbedder, csrf_of
from tests.web.test_openapi_fuzz import LiveApi, serve_live

MARK = "\u2063hostile\u2063"  # stands for the value being replaced in the JSON text
NUL_TEXTS = ['"a\\u0000b"', '"\\u0007bell"']
BAD_TEXTS = ['"\\ud800"', json.dumps("名" * 3000)]
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", str(2**63), str(-(2**63) - 1)]
BAD_IDS = [str(2**31), str(2**63), "99999999999999999999999", "1.0", "-1", "abc"]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def hostile_api(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    cached_embedder: CachingEmbedder,
) -> Iterator[LiveApi]:
    folder = tmp_path_factory.mktemp("hostile")
    if request.param == "sqlite":
        shutil.copy(sqlite_template, folder / "db.sqlite3")
        url = f"sqlite+aiosqlite:///{folder / 'db.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database")
        asyncio.run(_truncate_all(url))
    yield from serve_live(LiveApi(folder / "data", url, cached_embedder))


def _one_case(operation: Any) -> Any:
    """One valid request for ``operation``, the same on every run."""
    found: list[Any] = []

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(
        max_examples=1,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def grab(case: Any) -> None:
        found.append(case)

    grab()
    return found[0]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _with_mark(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return MARK
    copy = json.loads(json.dumps(value))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = MARK
    return copy


def _raw_bodies(body: Any) -> Iterator[tuple[str, str, bool]]:
    """(what, raw JSON, has a control character) for each leaf of ``body`` replaced."""
    for path, leaf in _leaves(body):
        if isinstance(leaf, bool) or leaf is None:
            continue
        text = json.dumps(_with_mark(body, path), ensure_ascii=False)
        where = "/".join(map(str, path)) or "body"
        replacements = (
            [(raw, True) for raw in NUL_TEXTS] + [(raw, False) for raw in BAD_TEXTS]
            if isinstance(leaf, str)
            else [(raw, False) for raw in BAD_NUMBERS]
        )
        for raw, control in replacements:
            yield (
                f"{where}={raw[:20]}",
                text.replace(json.dumps(MARK, ensure_ascii=False), raw),
                control,
            )


def test_hostile_values_on_every_operation(hostile_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{hostile_api.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    headers = {"Authorization": f"Bearer {hostile_api.token}"}
    problems: list[str] = []
    sent = 0
    with httpx.Client(base_url=hostile_api.base, headers=headers, timeout=60) as client:

        def send(label: str, method: str, path: str, **kw: Any) -> httpx.Response:
            nonlocal sent
            sent += 1
            response = client.request(method, path, **kw)
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code} {response.text[:200]}")
            return response

        for operation in operations:
            case = _one_case(operation)
            method, template = case.method.upper(), operation.path
            path_params = {k: str(v) for k, v in (case.path_parameters or {}).items()}
            if case.path_parameters and "token_id" in case.path_parameters:
                path_params["token_id"] = str(hostile_api.token_id + 1_000_000)

            def url(params: dict[str, str], template: str = template) -> str:
                for name, value in params.items():
                    template = template.replace("{" + name + "}", value)
                return template

            label = f"{method} {template}"
            for name in path_params:
                for bad in BAD_IDS:
                    response = send(
                        f"{label} {name}={bad}", method, url({**path_params, name: bad})
                    )
                    if response.status_code not in (401, 403, 404, 405, 422):
                        problems.append(f"{label} {name}={bad}: {response.status_code}")
            for name in case.query or {}:
                query = {**case.query, name: "a\x00b"}
                response = send(f"{label} ?{name}=NUL", method, url(path_params), params=query)
                if response.status_code != 422:
                    problems.append(f"{label} ?{name}=NUL: {response.status_code}")
            media = case.media_type or ""
            if media == "application/json" and case.body is not None:
                for what, raw, control in _raw_bodies(case.body):
                    response = send(
                        f"{label} {what}",
                        method,
                        url(path_params),
                        params=case.query,
                        content=raw.encode("utf-8", "surrogatepass"),
                        headers={"content-type": "application/json"},
                    )
                    if control and response.status_code != 422:
                        problems.append(f"{label} {what}: {response.status_code}, not 422")
            if media.startswith("multipart/"):
                long_name = "专" * 400 + ".md"
                send(
                    f"{label} long file name",
                    method,
                    url(path_params),
                    files={"file": (long_name, b"# title\n\ntext\n", "text/markdown")},
                )
        # The officer's token survived: every request above was judged as an officer's.
        assert client.get("/api/v1/admin/events").status_code == 200
    assert not problems, "\n".join(problems)
    assert sent > 250, sent  # the hostile values really were sent


async def _add_admin(url: str, name: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            if await session.scalar(select(Officer.id).where(Officer.username == name)) is None:
                await create_officer(session, name, OFFICER_PASSWORD, "admin")
                await session.commit()
    finally:
        await engine.dispose()


def test_admin_pages_with_hostile_ids_and_text(hostile_api: LiveApi) -> None:
    """The officers' pages, logged in as an admin: a row address that names no row is a
    404, control characters in a search or a form are refused, and nothing is a 500."""
    asyncio.run(_add_admin(hostile_api.url, "hostile-admin"))
    problems: list[str] = []
    with httpx.Client(base_url=hostile_api.base, timeout=60) as client:
        page = client.get("/admin/login")
        logged_in = client.post(
            "/admin/login",
            data={
                "username": "hostile-admin",
                "password": OFFICER_PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
        )
        assert logged_in.status_code == 302, logged_in.text
        home = client.get("/admin/")
        assert home.status_code == 200
        csrf = csrf_of(home.text)
        tables = sorted(set(re.findall(r'href="[^"]*/admin/([a-z-]+)/list"', home.text)))
        assert len(tables) >= 8, tables  # every table an admin sees
        addresses = [
            f"/admin/{table}/{page}/{bad}"
            for table in tables
            for page in ("details", "edit")
            for bad in BAD_IDS
        ]
        addresses += [f"/admin/events/{bad}" for bad in BAD_IDS]
        addresses += [f"/admin/upload/jobs/{bad}" for bad in BAD_IDS]
        for address in addresses:
            response = client.get(address)
            # 403: a read-only table has no edit page whatever the id.
            if response.status_code not in (403, 404) or (
                response.status_code == 403 and "/edit/" not in address
            ):
                problems.append(f"GET {address}: {response.status_code}")
        for table in tables:
            for bad in BAD_IDS:
                response = client.delete(f"/admin/{table}/delete", params={"pks": bad})
                if response.status_code >= 500:
                    problems.append(f"DELETE {table} pks={bad}: {response.status_code}")
            response = client.get(f"/admin/{table}/list", params={"search": "a\x00b"})
            if response.status_code != 422:
                problems.append(f"search {table} with NUL: {response.status_code}")
        for bad in BAD_IDS:
            for address in (f"/admin/tokens/{bad}/revoke", f"/admin/open-questions/{bad}/answer"):
                response = client.post(address, data={"csrf_token": csrf, "answer": "好"})
                if response.status_code != 404:
                    problems.append(f"POST {address}: {response.status_code}")
        response = client.post(
            "/admin/tokens", data={"csrf_token": csrf, "name": "a\x00b", "role": "officer"}
        )
        if response.status_code != 422:
            problems.append(f"token named with NUL: {response.status_code}")
    assert not problems, "\n".join(problems)
