"""Domain errors mapped once to HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
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

    @app.exception_handler(OverflowError)
    async def number_out_of_range(_request: Request, exc: OverflowError) -> JSONResponse:
        # An id or offset beyond what the database stores (SQLite: 64-bit integers).
        return JSONResponse(
            {"detail": "a number is out of range", "code": "out_of_range"}, status_code=422
        )
