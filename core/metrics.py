"""Prometheus metrics of the whole product, all named ``policydesk_*``.

Services record what happened through the small functions below; ``/metrics`` renders
them. With several uvicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` must name an empty,
writable directory before the workers start (``policydesk serve --workers N`` sets one
up); each worker then writes its values there and ``render`` merges them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client import multiprocess as _multiprocess

PREFIX = "policydesk_"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    f"{PREFIX}http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUESTIONS = Counter(
    f"{PREFIX}questions_total",
    "Questions asked, by channel and outcome (answered or not_found)",
    ["channel", "outcome"],
)
INDEX_VERSION = Gauge(
    f"{PREFIX}index_version_info",
    "1 for the knowledge index version a process serves, 0 for one it served before",
    ["version"],
    multiprocess_mode="livemax",
)
INDEX_ENTRIES = Gauge(
    f"{PREFIX}index_entries",
    "Searchable entries in the loaded knowledge index",
    multiprocess_mode="livemax",
)
INDEX_SWITCHES = Counter(
    f"{PREFIX}index_switches_total", "Times a process switched to a new index version"
)
DELIVERIES = Counter(
    f"{PREFIX}deliveries_total",
    "Campaign deliveries closed, by outcome: sent, failed, blocked, unknown (the answer was "
    "lost, or the send was in flight on a lost worker; should that worker still report "
    "the result, it is counted too)",
    ["outcome"],
)
DELIVERY_QUEUE_DEPTH = Gauge(
    f"{PREFIX}delivery_queue_depth",
    "Deliveries of sending campaigns not sent yet, as last counted by a worker",
    multiprocess_mode="livemostrecent",
)
BACKGROUND_ERRORS = Counter(
    f"{PREFIX}background_errors_total", "Errors caught in background loops", ["task"]
)

DeliveryOutcome = Literal["sent", "failed", "blocked", "unknown"]
_served_version: list[str] = []


def record_question(channel: str, answered: bool) -> None:
    QUESTIONS.labels(channel=channel, outcome="answered" if answered else "not_found").inc()


def record_delivery(outcome: DeliveryOutcome, count: int = 1) -> None:
    """For the campaign worker: deliveries closed with ``outcome``, once committed."""
    DELIVERIES.labels(outcome=outcome).inc(count)


def set_queue_depth(depth: int) -> None:
    """For the campaign worker: the number of deliveries still to send."""
    DELIVERY_QUEUE_DEPTH.set(depth)


def record_index(version: str | None, entries: int) -> None:
    """The process now serves ``version``; the previous one is marked 0, not removed, so that
    the multi-process files (which cannot forget a label) agree with a single process."""
    if version is None or (_served_version and _served_version[-1] == version):
        return
    if _served_version:
        INDEX_VERSION.labels(version=_served_version[-1]).set(0)
        INDEX_SWITCHES.inc()
    _served_version[:] = [version]
    INDEX_VERSION.labels(version=version).set(1)
    INDEX_ENTRIES.set(entries)


def record_background_error(task: str) -> None:
    BACKGROUND_ERRORS.labels(task=task).inc()


def _registry() -> CollectorRegistry:
    """This process's registry, or one merging all workers' files when multi-process."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render() -> bytes:
    """The exposition text: this process's figures, or all workers' when multi-process."""
    return generate_latest(_registry())


@contextmanager
def http_exposition(host: str, port: int) -> Iterator[int]:
    """Serve the exposition at ``http://host:port/metrics`` from a thread while the block
    runs (processes without a web server of their own: ``policydesk worker``); the port."""
    server, thread = start_http_server(port, host, registry=_registry())
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def mark_process_dead(pid: int) -> None:
    """Drop a worker's live gauges; each worker calls it for itself on a clean shutdown."""
    if os.environ.get(MULTIPROC_ENV):
        _multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
