"""Small helpers shared by the benchmarks: machine description, percentiles, memory."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).parents[1]
POLICYDESK = [sys.executable, "-m", "policydesk"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {statistics.median(ms):.2f} ms, p95 {percentile(ms, 95):.2f} ms, "
        f"p99 {percentile(ms, 99):.2f} ms (n={len(ms)})"
    )


def rss_mb() -> float:
    """Resident memory of this process in MiB."""
    with open("/proc/self/statm", encoding="utf-8") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def policydesk(env: dict[str, str], *args: str) -> str:
    """Run a ``policydesk`` command in the checkout with ``env``; what it printed."""
    done = subprocess.run(
        [*POLICYDESK, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def initialised_env(data: str, **settings: str) -> dict[str, str]:
    """The environment of a deployment on SQLite in ``data`` with the bundled pack loaded
    (``policydesk init`` done), quiet logs and ``settings`` (POLICYDESK_ names)."""
    env = {
        **os.environ,
        "POLICYDESK_DATA_DIR": data,
        "POLICYDESK_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
        **{f"POLICYDESK_{name.upper()}": value for name, value in settings.items()},
    }
    policydesk(env, "init")
    return env
