"""What password guessing at the admin login does to everyone else.

    python -m bench.login_stall [--guessers 8] [--seconds 10]

Starts ``policydesk serve`` (SQLite, the bundled pack) with the login limits lifted, so
that every guess costs a full argon2 verification; ``--guessers`` clients post wrong
passwords as fast as they are answered while another client asks ``/healthz`` every
50 ms. Prints ``/healthz`` latency without and with the guessing, and the guesses/s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import threading
import time

import httpx

from bench.common import POLICYDESK, initialised_env, machine, percentile, policydesk
from bench.load_ask import free_port, start, stop, wait_ready


def guess(base: str, until: float, counts: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/admin/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
            r'name="csrf-token" content="([^"]+)"', page
        )
        token = found.group(1) if found else ""
        while time.monotonic() < until:
            client.post(
                "/admin/login",
                data={"username": "zhang", "password": "wrong password!", "csrf_token": token},
            )
            counts.append(1)


def healthz(base: str, seconds: float) -> list[float]:
    out: list[float] = []
    until = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=60) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            client.get("/healthz")
            out.append(time.perf_counter() - started)
            time.sleep(0.05)
    return out


def report(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    median, p95 = statistics.median(ms), percentile(ms, 95)
    return f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms (n={len(ms)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}, load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as data:
        env = initialised_env(
            data,
            login_limit_account="1000000/hour",
            login_limit_address="1000000/hour",
            officer_password="correct horse battery",
        )
        policydesk(env, "admin", "create-officer", "zhang")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start([*POLICYDESK, "serve", "--port", str(port)], env)
        try:
            wait_ready(f"{base}/readyz")
            print(report("healthz, nobody guessing", healthz(base, args.seconds)))
            counts: list[int] = []
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=guess, args=(base, until, counts))
                for _ in range(args.guessers)
            ]
            for thread in threads:
                thread.start()
            during = healthz(base, args.seconds)
            for thread in threads:
                thread.join()
            print(report(f"healthz, {args.guessers} clients guessing", during))
            print(f"guesses answered: {len(counts) / args.seconds:.1f}/s")
        finally:
            stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
