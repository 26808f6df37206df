"""Typed domain errors. Services raise them; the bot and the API map them once.

An error carries two forms of its message. ``message`` is what the API returns as
``detail`` (for most checks "中文 (English)", unchanged for API clients). ``key`` and
``params`` name the same problem in the locale catalogs, so that the bot and the web chat
can say it in the user's language alone, after the field's name as people call it
(``统一社会信用代码：应为18位，收到13位``). An error raised without a key is shown by
splitting its bilingual message.
"""

from __future__ import annotations

import re
from typing import Any, Self

from core.i18n import DEFAULT_LOCALE, catalogs, translate

# "中文说明 (English gloss)": the gloss is printable ASCII in round brackets at the end.
_ENGLISH_GLOSS = re.compile(r"\s*\(([\x20-\x7e]*)\)\s*$")
_HAS_CHINESE = re.compile(r"[\u3400-\u9fff]")
# A message that starts with the field's code: "credit_code: …".
_FIELD_PREFIX = re.compile(r"^[a-z_][a-z0-9_.]*: ")


class DomainError(Exception):
    """A problem the user can understand and fix. ``code`` is stable for clients."""

    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        extra: dict[str, object] | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # More for clients, e.g. the existing registration behind a 409.
        self.extra = extra or {}
        # The problem in the catalogs (without the field's name), for people's own language.
        self.key = key
        self.params = params or {}

    @classmethod
    def keyed(
        cls,
        key: str,
        *,
        field: str | None = None,
        extra: dict[str, object] | None = None,
        **params: Any,
    ) -> Self:
        """The error for catalog text ``key``. The API's message keeps its usual form,
        "field: 中文 (English)", each part naming the field as people call it."""
        error = cls("", field=field, extra=extra, key=key, params=params)
        message = f"{error.explain('zh')} ({error.explain('en')})"
        error.message = f"{field}: {message}" if field else message
        error.args = (error.message,)
        return error

    def problem(self, locale: str) -> str:
        """The problem in ``locale`` only, without the field's name (plain text)."""
        if self.key is not None:
            return translate(locale, self.key, **self.params)
        return one_language(_FIELD_PREFIX.sub("", self.message, count=1), locale)

    def explain(self, locale: str) -> str:
        """The field as people call it, then the problem: ``统一社会信用代码：应为18位…``.
        A field the catalogs do not name is left out rather than shown as a code."""
        problem = self.problem(locale)
        name = field_label(self.field, locale)
        if name is None:
            return problem
        return translate(locale, "errors.field_problem", field=name, problem=problem)


def field_label(field: str | None, locale: str) -> str | None:
    """The name people use for a form field (``fields.credit_code``), or None."""
    if not field:
        return None
    key = f"fields.{field}"
    table = catalogs()
    return table.get(locale, {}).get(key) or table[DEFAULT_LOCALE].get(key)


def one_language(message: str, locale: str) -> str:
    """ "中文 (English)" → the part in ``locale``; a message in one language as it is."""
    gloss = _ENGLISH_GLOSS.search(message)
    chinese = message[: gloss.start()].strip() if gloss else message
    if gloss is None or not _HAS_CHINESE.search(chinese):
        return message
    return gloss.group(1).strip() if locale == "en" else chinese


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    code = "invalid_input"


class IngestError(DomainError):
    """A file that cannot be ingested; the message names the file and the problem."""

    code = "ingest_error"


class IndexMismatch(DomainError):
    """The index on disk was built with another embedding model: re-index needed."""

    code = "index_mismatch"
