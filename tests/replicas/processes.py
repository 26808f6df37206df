"""Starting policydesk commands as separate OS processes for the multi-process tests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(**settings: str) -> dict[str, str]:
    """This environment without any POLICYDESK_* of the caller's, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYDESK_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv points at
    env.update({f"POLICYDESK_{k.upper()}": v for k, v in settings.items()})
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "policydesk", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"policydesk {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result.stdout


@dataclass
class Process:
    """One policydesk (or emulator) command running as its own OS process."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    @staticmethod
    def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def check_alive(self) -> None:
        assert self.proc.poll() is None, f"{self.name} exited:\n{self.tail()}"

    def poll(self, probe: Callable[[], T | None], timeout: float) -> T:
        """``probe``'s first answer other than None (a refused connection is no answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(httpx.TransportError):
                found = probe()
                if found is not None:
                    return found
            time.sleep(0.3)
        raise AssertionError(f"{self.name} not ready in {timeout:.0f}s:\n{self.tail()}")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as an orchestrator sends it; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text("utf-8", errors="replace")[-chars:]

    def json_lines(self) -> list[dict[str, Any]]:
        """The process's JSON log lines (anything else it printed is skipped)."""
        lines = []
        for line in self.log.read_text("utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@dataclass
class Server(Process):
    """One ``policydesk serve`` replica."""

    port: int = 0

    @classmethod
    def start(cls, name: str, env: dict[str, str], log: Path) -> Server:
        port = free_port()
        proc = cls.spawn(["policydesk", "serve", "--port", str(port)], env, log)
        return cls(name, proc, log, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            response = httpx.get(f"{self.url}/readyz", timeout=2)
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body

        return self.poll(ready, timeout)

    def ask(self, question: str) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/api/v1/ask", json={"question": question}, timeout=30)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@dataclass
class Worker(Process):
    """One ``policydesk worker`` with its metrics served on ``metrics_port``."""

    metrics_port: int = 0

    @classmethod
    def start(cls, name: str, env: dict[str, str], log: Path) -> Worker:
        port = free_port()
        env = {**env, "POLICYDESK_WORKER_METRICS_PORT": str(port)}
        return cls(name, cls.spawn(["policydesk", "worker"], env, log), log, port)

    def metrics(self) -> str:
        response = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5)
        assert response.status_code == 200
        return response.text

    def wait_ready(self, timeout: float = 120) -> None:
        """Until its metrics answer (they are served once the worker is set up)."""
        self.poll(self.metrics, timeout)

    @property
    def worker_name(self) -> str:
        """The name it claims deliveries under (from its start-up log line)."""
        for line in self.json_lines():
            found = re.fullmatch(r"worker (\S+) started .*", line["msg"])
            if found:
                return found[1]
        raise AssertionError(f"{self.name} logged no start:\n{self.tail()}")


@dataclass
class Emulator(Process):
    """The Bot API emulator (``python -m testing.botapi_emulator``) on a free loopback port."""

    base_url: str = ""

    @classmethod
    def start(cls, log: Path, *options: str, timeout: float = 60) -> Emulator:
        proc = cls.spawn(["testing.botapi_emulator", "--port", "0", *options], environment(), log)
        emulator = cls("emulator", proc, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            emulator.check_alive()
            found = re.search(r"listening on (http://\S+)", emulator.tail())
            if found:
                emulator.base_url = found[1]
                return emulator
            time.sleep(0.1)
        raise AssertionError(f"the emulator did not start:\n{emulator.tail()}")

    def call(self, action: str, **params: Any) -> Any:
        """One ``/_emu`` action (see testing/botapi_emulator/control.py); its result."""
        response = httpx.post(f"{self.base_url}/_emu/{action}", json=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["result"]
