"""Every route under /api/v1/admin/, taken from the app's route table: anonymous callers and
unknown tokens get 401, officers get 403 where only admins may go, and the right role
passes the auth gate. A route added later is covered without touching this file."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

ADMIN_PREFIX = "/api/v1/admin/"
# The policy: admins alone manage these; officers do everything else.
ADMIN_ONLY = ("documents", "ingest-jobs", "rules", "tokens")
# Deleting an event with its registrations is kept for admins (the events API's choice).
ADMIN_ONLY_ROUTES = {("DELETE", "/api/v1/admin/events/999999")}
UNKNOWN = {"Authorization": "Bearer pd_not-a-real-token"}


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith(ADMIN_PREFIX):
            for method in route.methods or ():
                if method not in {"HEAD", "OPTIONS"}:
                    # Ids name nothing, so no call below changes any state.
                    found.add((method, re.sub(r"\{[^}]+\}", "999999", path)))
    return sorted(found)


def admin_only(method: str, path: str) -> bool:
    return (method, path) in ADMIN_ONLY_ROUTES or (
        path.removeprefix(ADMIN_PREFIX).split("/")[0] in ADMIN_ONLY
    )


async def test_every_admin_route_checks_token_and_role(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    officer_headers: dict[str, str],
) -> None:
    routes = admin_routes(app)
    assert len(routes) >= 10, routes  # the table really was read
    failures: list[str] = []
    for method, path in routes:
        anonymous = await client.request(method, path)
        unknown = await client.request(method, path, headers=UNKNOWN)
        officer = await client.request(method, path, headers=officer_headers)
        admin = await client.request(method, path, headers=admin_headers)
        expected_officer = {403} if admin_only(method, path) else None
        if anonymous.status_code != 401:
            failures.append(f"{method} {path}: anonymous got {anonymous.status_code}")
        if unknown.status_code != 401:
            failures.append(f"{method} {path}: unknown token got {unknown.status_code}")
        if expected_officer and officer.status_code not in expected_officer:
            failures.append(f"{method} {path}: officer got {officer.status_code}, wanted 403")
        if not expected_officer and officer.status_code in {401, 403}:
            failures.append(f"{method} {path}: officer refused ({officer.status_code})")
        if admin.status_code in {401, 403}:
            failures.append(f"{method} {path}: admin refused ({admin.status_code})")
    assert not failures, "\n".join(failures)


async def test_revoked_token_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/admin/tokens", json={"role": "officer", "name": "desk 3"}, headers=admin_headers
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("pd_") and body["role"] == "officer"
    mine = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.get("/api/v1/admin/questions", headers=mine)).status_code == 200
    listed = await client.get("/api/v1/admin/tokens", headers=admin_headers)
    assert body["id"] in [t["id"] for t in listed.json()]
    assert all("token" not in t and "token_hash" not in t for t in listed.json())
    revoked = await client.delete(f"/api/v1/admin/tokens/{body['id']}", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/api/v1/admin/questions", headers=mine)).status_code == 401
