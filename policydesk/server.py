"""``policydesk serve``: uvicorn with our logging, graceful shutdown and worker processes.

With ``--workers N`` uvicorn starts N processes that each import ``app_factory`` and
build their own runtime (engine, index, background tasks) from the environment.

uvicorn's own X-Forwarded-* handling is off: the app decides who the client is, from
``POLICYDESK_TRUSTED_PROXIES`` (``api/forwarded.py``), in one place for every way of
serving it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI

from core import metrics
from core.logs import configure_logging
from core.settings import Settings

log = logging.getLogger(__name__)


def app_factory() -> FastAPI:
    """The app of one serving process, configured from the environment."""
    from api.app import create_app

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings, bot_polling=settings.bot_polling)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    configure_logging(settings.log_format, settings.log_level)
    if "FORWARDED_ALLOW_IPS" in os.environ:
        log.warning(
            "FORWARDED_ALLOW_IPS is ignored; POLICYDESK_TRUSTED_PROXIES names the proxies "
            "whose X-Forwarded-For is believed (now: %s)",
            ", ".join(map(str, settings.trusted_proxies)) or "none",
        )
    scratch: str | None = None
    given = os.environ.get(metrics.MULTIPROC_ENV)
    if given:
        # Files of an earlier run (a restarted container keeps its emptyDir) would be
        # merged into this run's figures.
        for stale in Path(given).glob("*.db"):
            stale.unlink()
    elif workers > 1:
        # Each worker writes its metrics here; /metrics in any worker merges them all.
        scratch = tempfile.mkdtemp(prefix="policydesk-metrics-")
        os.environ[metrics.MULTIPROC_ENV] = scratch
    try:
        uvicorn.run(
            "policydesk.server:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,  # our middleware logs each request with its request id
            proxy_headers=False,  # api.forwarded.ForwardedMiddleware decides
            timeout_graceful_shutdown=int(settings.shutdown_timeout),
        )
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
