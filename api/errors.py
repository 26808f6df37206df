"""Domain errors mapped once to HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import Conflict, DomainError, IndexMismatch, IngestError, InvalidInput, NotFound
from webchat.service import UnknownChat
from wechat.callback import CallbackRefused

# The HTTP status of each kind of domain error (the domain knows nothing of HTTP; the bot
# maps the same errors to replies in ``bot/errors.py``). A kind not listed answers with
# its nearest listed base class.
STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    UnknownChat: 401,
    CallbackRefused: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    IngestError: 422,
    IndexMismatch: 503,
}


def status_of(error: DomainError) -> int:
    return next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        body: dict[str, object] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        body.update(exc.extra)
        return JSONResponse(body, status_code=status_of(exc))

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
