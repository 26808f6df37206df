"""Load benchmark: ``POST /api/v1/ask`` over loopback, against a trivial FastAPI endpoint.

Both servers run with the same number of uvicorn workers (default 2) in the same run;
the load comes from wrk (``apt-get install wrk``) or, without it, from an asyncio client.
Prints requests/s, p50 and p99 latency for each, the ratio, and the machine.

    python -m bench.load_ask                    # SQLite in bench/results/data
    python -m bench.load_ask --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import machine, percentile

ROOT = Path(__file__).resolve().parents[1]
# A slow answer is a latency, not an error: wrk's default timeout is 2 s.
WRK_OPTIONS = ["wrk", "--timeout", "10s"]
QUESTIONS = [
    "知识产权质押融资怎么开展?",
    "专利申请有资助吗?",
    "企业贯标有什么奖励?",
    "什么是知识产权消零行动?",
    "明天焦作的天气怎么样?",
    "How do I apply for patent pledge financing?",
]


def machine_line() -> str:
    load = os.getloadavg()[0]
    return f"{machine()}, load average at start {load:.2f} (nproc {os.cpu_count()})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} not ready after {timeout:.0f}s")


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    # Lua string literals holding the JSON bodies (raw UTF-8: wrk's LuaJIT has no \u escapes).
    bodies = ", ".join(
        json.dumps(json.dumps({"question": q}, ensure_ascii=False), ensure_ascii=False)
        for q in QUESTIONS
    )
    script = f"""
local bodies = {{{bodies}}}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %f\\n", summary.requests, summary.errors.status
    + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(script)
    try:
        out = subprocess.run(
            [*WRK_OPTIONS, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    requests, errors, duration, p50, p99 = match.groups()
    return {
        "rps": int(requests) / float(duration),
        "errors": int(errors),
        "p50_ms": float(p50),
        "p99_ms": float(p99),
    }


def python_client(url: str, seconds: int, connections: int) -> dict[str, float]:
    import asyncio

    import httpx

    async def run() -> dict[str, float]:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def user(n: int, client: httpx.AsyncClient) -> None:
            nonlocal errors
            i = n
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post(url, json={"question": QUESTIONS[i % len(QUESTIONS)]})
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200
                i += 1

        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            began = time.perf_counter()
            await asyncio.gather(*(user(n, client) for n in range(connections)))
            elapsed = time.perf_counter() - began
        return {
            "rps": len(latencies) / elapsed,
            "errors": errors,
            "p50_ms": percentile(latencies, 50) * 1e3,
            "p99_ms": percentile(latencies, 99) * 1e3,
        }

    return asyncio.run(run())


def measure(url: str, args: argparse.Namespace) -> dict[str, float]:
    # A short warm-up: first requests load the tokenizer dictionary and fill caches.
    if shutil.which("wrk") and not args.python_client:
        wrk(url, 2, args.connections, args.threads)
        return wrk(url, args.seconds, args.connections, args.threads)
    python_client(url, 2, args.connections)
    return python_client(url, args.seconds, args.connections)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--data-dir", default=str(ROOT / "bench" / "results" / "data"))
    parser.add_argument("--database-url", default="", help="default: SQLite in the data dir")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--answer-cache",
        action="store_true",
        help="keep the answer cache on (off by default: the questions repeat in a cycle, "
        "and every ask is then measured as a computed one)",
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "POLICYDESK_DATA_DIR": args.data_dir,
        "POLICYDESK_DATABASE_URL": args.database_url,
        "POLICYDESK_LOG_LEVEL": "warning",
        # The public API's per-address limit would answer most of the load with 429.
        "POLICYDESK_RATE_LIMIT": "1000000000/second",
        "POLICYDESK_ANSWER_CACHE_SIZE": "1024" if args.answer_cache else "0",
        "PYTHONPATH": str(ROOT),
    }
    policydesk = [sys.executable, "-m", "policydesk"]
    print(f"machine: {machine_line()}")
    print("preparing the knowledge base (policydesk init) ...", flush=True)
    subprocess.run([*policydesk, "init"], cwd=ROOT, env=env, check=True, capture_output=True)

    results: dict[str, dict[str, float]] = {}
    port = free_port()
    servers = {
        "ask": [*policydesk, "serve", "--port", str(port), "--workers", str(args.workers)],
        "trivial": [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.trivial_app:app",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
    }
    for name, cmd in servers.items():
        proc = start(cmd, env)
        try:
            probe = "/healthz" if name == "ask" else "/docs"
            wait_ready(f"http://127.0.0.1:{port}{probe}")
            results[name] = measure(f"http://127.0.0.1:{port}/api/v1/ask", args)
        finally:
            stop(proc)

    tool = "wrk" if shutil.which("wrk") and not args.python_client else "python asyncio client"
    database = args.database_url.split("@")[-1] if args.database_url else "SQLite"
    print(
        f"load: {tool}, {args.connections} connections, {args.seconds}s, "
        f"{args.workers} uvicorn workers each, database {database}"
    )
    print(f"{'endpoint':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in results.items():
        print(
            f"{name:<10}{r['rps']:>10.1f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{r['errors']:>8.0f}"
        )
    if any(r["errors"] for r in results.values()):
        print("errors (non-2xx or socket) above: the figures are not comparable")
        return 1
    ratio = results["ask"]["rps"] / results["trivial"]["rps"]
    print(f"ratio ask/trivial throughput: {ratio:.3f} ({1 / ratio:.1f}x below the ceiling)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
