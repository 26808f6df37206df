"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """The database (and Redis, when configured) answer and a knowledge index is loaded."""
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    if runtime.redis is not None:
        try:
            await runtime.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # any failure means not ready
            checks["redis"] = f"error: {type(exc).__name__}"
    checks["index"] = runtime.knowledge.version or "not loaded"
    ready = (
        all(v == "ok" for k, v in checks.items() if k != "index")
        and runtime.knowledge.version is not None
    )
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
