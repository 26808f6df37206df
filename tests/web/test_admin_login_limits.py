"""Admin login: failed attempts are limited per account and per client address, in the
app's rate store (memory, or Redis shared by replicas), and argon2 runs off the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from redis.asyncio import Redis

from api.limits import MemoryRateStore, RateStore
from api.limits_redis import RedisRateStore
from core import officers
from policydesk.runtime import Runtime
from tests.web.admin_apps import ADDRESS, OTHER_ADDRESS, admin_app, browser
from tests.web.conftest import add_officer, login

REDIS_URL = "redis://127.0.0.1:6379/0"
# Small limits keep the number of (deliberately slow) argon2 checks down.
LIMITS = {"login_limit_account": "3/hour", "login_limit_address": "5/hour"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Counts:
    store: RateStore
    clock: Clock


@pytest.fixture(params=["memory", "redis"])
async def counts(request: pytest.FixtureRequest) -> AsyncIterator[Counts]:
    """The login counts on the test's clock: in memory, or in the real Redis."""
    clock = Clock()
    if request.param == "memory":
        yield Counts(MemoryRateStore(clock), clock)
        return
    prefix = f"test:login:{uuid.uuid4().hex}:"
    store = RedisRateStore(Redis.from_url(REDIS_URL), prefix, clock=clock)
    try:
        yield Counts(store, clock)
    finally:
        await store.close()


async def test_wrong_passwords_lock_the_account_until_the_wait_is_over(
    light_runtime: Runtime, counts: Counts
) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, counts.store, **LIMITS) as app,
        browser(app) as guesser,
        browser(app, OTHER_ADDRESS) as officer,
    ):
        for n in range(3):
            assert (await login(guesser, "zhang", f"wrong password {n}")).status_code == 400
        locked = await login(guesser, "zhang")
        assert locked.status_code == 429
        assert "分钟后再试" in locked.text and "try again" not in locked.text
        assert (await guesser.get("/admin/")).status_code == 302  # not logged in
        # The account is locked, not just the address that guessed.
        assert (await login(officer, "zhang")).status_code == 429
        counts.clock.now += int(locked.headers["retry-after"])
        assert (await login(officer, "zhang")).status_code == 302
        assert (await officer.get("/admin/")).status_code == 200


async def test_one_address_is_limited_across_usernames(
    light_runtime: Runtime, counts: Counts
) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, counts.store, **LIMITS) as app,
        browser(app) as guesser,
        browser(app, OTHER_ADDRESS) as officer,
    ):
        for n in range(5):  # one guess per name: no account reaches its limit of 3
            assert (await login(guesser, f"name-{n}", "wrong password")).status_code == 400
        assert (await login(guesser, "zhang")).status_code == 429
        assert (await login(officer, "zhang")).status_code == 302


async def test_simultaneous_guesses_are_counted_before_they_are_checked(
    light_runtime: Runtime,
) -> None:
    """A burst sent at once cannot all pass before the first failure is counted."""
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, MemoryRateStore(Clock()), **LIMITS) as app,
        browser(app) as guesser,
    ):
        codes = await asyncio.gather(
            *(login(guesser, "zhang", f"wrong password {n}") for n in range(8))
        )
    assert sorted(r.status_code for r in codes) == [400] * 3 + [429] * 5


async def test_a_successful_login_does_not_count(light_runtime: Runtime) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, MemoryRateStore(Clock()), **LIMITS) as app,
        browser(app) as officer,
    ):
        for _ in range(4):
            assert (await login(officer, "zhang")).status_code == 302
            await officer.get("/admin/logout")
        assert (await login(officer, "zhang", "wrong password")).status_code == 400


async def test_failed_logins_are_logged_without_the_password(
    light_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    await add_officer(light_runtime, "zhang", "admin")
    async with (
        admin_app(light_runtime, MemoryRateStore(Clock()), **LIMITS) as app,
        browser(app) as guesser,
    ):
        with caplog.at_level(logging.WARNING, logger="api.admin_ui"):
            await login(guesser, "zhang", "hunter2-secret")
    failed = [r.getMessage() for r in caplog.records if "login failed" in r.getMessage()]
    assert failed and "zhang" in failed[0] and ADDRESS in failed[0]
    assert not any("hunter2-secret" in r.getMessage() for r in caplog.records)


class RecordingHasher(PasswordHasher):
    """The real argon2 hasher, noting for each call its thread, whether an event loop runs
    on that thread, and how many database connections are checked out meanwhile."""

    def __init__(self, connections_in_use: Callable[[], int]) -> None:
        super().__init__()
        self.connections_in_use = connections_in_use
        self.calls: list[tuple[str, str, bool, int]] = []

    def _note(self, name: str) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        thread = threading.current_thread().name
        self.calls.append((name, thread, on_loop, self.connections_in_use()))

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._note("hash")
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._note("verify")
        return super().verify(hash, password)


async def test_argon2_runs_off_the_event_loop_holding_no_connection(
    light_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event loop serves other requests while a password is checked, and a login
    waiting its turn for argon2 keeps no database connection from them."""
    pool = light_runtime.engine.sync_engine.pool
    hasher = RecordingHasher(pool.checkedout)
    monkeypatch.setattr(officers, "_hasher", hasher)
    await add_officer(light_runtime, "zhang", "admin")
    quiet = {"worker_in_process": False, "index_poll_seconds": 0, "reminder_poll_seconds": 0}
    async with (
        admin_app(light_runtime, MemoryRateStore(Clock()), **LIMITS, **quiet) as app,
        browser(app) as officer,
    ):
        assert (await login(officer, "zhang", "wrong password")).status_code == 400
        assert (await login(officer, "zhang")).status_code == 302
    assert [name for name, *_ in hasher.calls] == ["hash", "verify", "verify"]
    assert all(thread.startswith("argon2") for _, thread, _, _ in hasher.calls), hasher.calls
    assert not any(on_loop for _, _, on_loop, _ in hasher.calls), hasher.calls
    assert [held for name, _, _, held in hasher.calls if name == "verify"] == [0, 0]
