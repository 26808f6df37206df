"""``policydesk serve`` hands the app to uvicorn without uvicorn's proxy header handling."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import uvicorn

from core import metrics
from core.settings import Settings
from policydesk import server


def test_the_app_alone_decides_who_the_client_is(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: given.update(kwargs))
    monkeypatch.setattr(server, "configure_logging", lambda *args: None)
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    # Left over from a deployment made before POLICYDESK_TRUSTED_PROXIES.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with caplog.at_level(logging.WARNING, logger="policydesk.server"):
        server.serve(Settings(trusted_proxies="10.0.0.5"), "127.0.0.1", 8000, 1)  # type: ignore[arg-type]
    assert given["proxy_headers"] is False
    assert "forwarded_allow_ips" not in given
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "policydesk.server"]
    assert "FORWARDED_ALLOW_IPS is ignored" in warning and "10.0.0.5/32" in warning
