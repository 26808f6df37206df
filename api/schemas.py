"""Response shapes shared by several routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field, StrictInt
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException

# Ids are 32-bit on every backend; larger numbers are refused before reaching the database
# (PostgreSQL would fail on them rather than find nothing).
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdField = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class RowIdConvertor(Convertor[int]):
    """``{name:id}`` in a route path: a row id written as plain digits.

    ``/events/1.0``, ``/events/-1`` and ``/events/abc`` match no route (404), and an id
    beyond the 32-bit range names nothing (404), the same on every route and backend.
    """

    regex = "[0-9]{1,19}"

    def convert(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise HTTPException(404, f"{value} does not exist")
        return number

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", RowIdConvertor())


class ErrorOut(BaseModel):
    detail: Any
    code: str | None = None
    field: str | None = None


# Every admin route may answer these; declaring them keeps the OpenAPI schema honest.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "The token's role may not do this"},
    404: {"model": ErrorOut, "description": "No such object"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state"},
    413: {"model": ErrorOut, "description": "The request body is too large"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    **{k: v for k, v in ERRORS.items() if k != 403},
    429: {"model": ErrorOut, "description": "Too many requests from this client"},
}

# What any route may answer: domain errors, the body size limit, the rate limit.
COMMON: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON"},
    404: ERRORS[404],
    409: ERRORS[409],
    413: ERRORS[413],
    422: ERRORS[422],
    429: PUBLIC_ERRORS[429],
}
