"""What an officer's upload does to everyone else: the server's answers while it takes a
long PDF, and its memory while it refuses a zip bomb.

    python -m bench.upload_stall [--pages 600] [--lines 4] [--workers 1]

Starts ``policydesk serve`` on a data dir of its own (SQLite, the bundled pack), then:
1. uploads a PDF of ``--pages`` pages (generated, ASCII text) as an admin, while a client
   asks ``/healthz`` and ``/api/v1/ask`` every 100 ms; prints their latency during the
   upload (median and worst) and the upload's own time and status;
2. uploads a 1 MB .docx that unpacks to 1 GB of zeros; prints the status and the server
   process's peak resident memory before and after (VmHWM).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

from bench.common import POLICYDESK, initialised_env, machine, policydesk
from bench.load_ask import free_port, start, stop, wait_ready

LINE = "Article {n}. Enterprises that obtain an invention patent receive a subsidy of {n} yuan."


def pdf_of(pages: int, lines: int = 40) -> bytes:
    """A PDF with a text layer on every page, written by hand (Helvetica, ASCII)."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for page in range(pages):
        text = " ".join(
            f"0 -14 Td ({LINE.format(n=page * lines + line)}) Tj" for line in range(lines)
        )
        stream = f"BT /F1 10 Tf 40 780 Td {text} ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % content
        )
        kids.append(f"{len(objects)} 0 R")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out.write(trailer.encode())
    return out.getvalue()


def zip_bomb(unpacked_mb: int) -> bytes:
    """A .docx-like zip archive of one entry: ``unpacked_mb`` MB of zeros in about a
    thousandth of that (the tests use it too)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as entry,
    ):
        piece = b"\0" * (1024 * 1024)
        for _ in range(unpacked_mb):
            entry.write(piece)
    return out.getvalue()


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of the process and its children that serve (VmHWM), MiB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total = max(total, int(line.split()[1]) / 1024)
    return total


def probe(base: str, stop_event: threading.Event, out: dict[str, list[float]]) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop_event.is_set():
            started = time.perf_counter()
            client.get("/healthz")
            out["healthz"].append(time.perf_counter() - started)
            started = time.perf_counter()
            client.post("/api/v1/ask", json={"question": "专利资助标准"})
            out["ask"].append(time.perf_counter() - started)
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--lines", type=int, default=4, help="lines of text per page")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--bomb-mb", type=int, default=1024)
    args = parser.parse_args()
    print(f"machine: {machine()}, load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as data:
        # The probe repeats one question: with the answer cache off, every ask is computed.
        env = initialised_env(data, rate_limit="1000000/second", answer_cache_size="0")
        token = policydesk(env, "admin", "create-token", "--role", "admin", "--name", "bench")
        token = token.split()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [*POLICYDESK, "serve", "--port", str(port), "--workers", str(args.workers)]
        proc = start(cmd, env)
        try:
            wait_ready(f"{base}/readyz")
            headers = {"Authorization": f"Bearer {token}"}
            pdf = pdf_of(args.pages, args.lines)
            print(f"PDF: {args.pages} pages of {args.lines} lines, {len(pdf) / 1e6:.1f} MB")
            timings: dict[str, list[float]] = {"healthz": [], "ask": []}
            done = threading.Event()
            watcher = threading.Thread(target=probe, args=(base, done, timings))
            watcher.start()
            time.sleep(1)
            before = {k: len(v) for k, v in timings.items()}
            started = time.perf_counter()
            with httpx.Client(base_url=base, timeout=1800, headers=headers) as client:
                files = {"file": ("yearbook.pdf", pdf, "application/pdf")}
                response = client.post("/api/v1/admin/documents", files=files)
                took = time.perf_counter() - started
                job = response.json()
                while job.get("status") in ("queued", "running"):
                    time.sleep(0.2)
                    job = client.get(f"/api/v1/admin/ingest-jobs/{job['id']}").json()
                indexed = time.perf_counter() - started
            done.set()
            watcher.join()
            print(
                f"upload answered {response.status_code} in {took:.1f} s; "
                f"job {job.get('status')} after {indexed:.1f} s"
            )
            for name, values in timings.items():
                during = values[before[name] :]
                print(
                    f"  {name} during the upload: median {statistics.median(during) * 1000:.0f} ms,"
                    f" worst {max(during) * 1000:.0f} ms (n={len(during)})"
                )
            bomb = zip_bomb(args.bomb_mb)
            rss = peak_rss_mb(proc.pid)
            with httpx.Client(base_url=base, timeout=600, headers=headers) as client:
                files = {"file": ("bomb.docx", bomb, "application/octet-stream")}
                answer = client.post("/api/v1/admin/documents", files=files)
            print(
                f"zip bomb ({len(bomb) / 1e6:.1f} MB, {args.bomb_mb} MB unpacked): "
                f"{answer.status_code} {answer.text[:120]}"
            )
            print(f"  server peak RSS: {rss:.0f} MiB before, {peak_rss_mb(proc.pid):.0f} after")
        finally:
            stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
