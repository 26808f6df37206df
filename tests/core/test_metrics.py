"""The exposition a process without a web server (``policydesk worker``) serves itself."""

from __future__ import annotations

import httpx
import pytest

from core import metrics
from tests.api.test_observability import sample

BLOCKED = ("policydesk_deliveries_total", {"outcome": "blocked"})


def test_http_exposition_serves_the_figures_while_the_block_runs() -> None:
    before = sample(metrics.render().decode(), BLOCKED[0], **BLOCKED[1])
    with metrics.http_exposition("127.0.0.1", 0) as port:
        metrics.record_delivery("blocked", 2)
        metrics.set_queue_depth(17)
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert sample(text, BLOCKED[0], **BLOCKED[1]) == before + 2
    assert sample(text, "policydesk_delivery_queue_depth") == 17
    with pytest.raises(httpx.TransportError):  # closed with the block
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
