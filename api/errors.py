"""Domain errors mapped once to HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import DomainError


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        body: dict[str, object] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        body.update(exc.extra)
        return JSONResponse(body, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input, which may be unprintable (NaN, Infinity,
        # a lone surrogate) and then fails with a 500: say where and what, never the value.
        return JSONResponse(
            {"detail": [_safe_error(e) for e in exc.errors()], "code": "invalid_input"},
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    async def number_out_of_range(_request: Request, exc: OverflowError) -> JSONResponse:
        # An id or offset beyond what the database stores (SQLite: 64-bit integers).
        return JSONResponse(
            {"detail": "a number is out of range", "code": "out_of_range"}, status_code=422
        )


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _safe_error(error: Any) -> dict[str, object]:
    loc = [part if isinstance(part, int) else _printable(str(part)) for part in error["loc"]]
    return {"loc": loc, "msg": _printable(str(error["msg"])), "type": str(error["type"])}
