"""Typed domain errors. Services raise them; the bot and the API map them once."""

from __future__ import annotations


class DomainError(Exception):
    """A problem the user can understand and fix. ``code`` is stable for clients."""

    code = "domain_error"
    http_status = 400

    def __init__(
        self, message: str, *, field: str | None = None, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # More for clients, e.g. the existing registration behind a 409.
        self.extra = extra or {}


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class IngestError(DomainError):
    """A file that cannot be ingested; the message names the file and the problem."""

    code = "ingest_error"
    http_status = 422


class IndexMismatch(DomainError):
    """The index on disk was built with another embedding model: re-index needed."""

    code = "index_mismatch"
    http_status = 503
