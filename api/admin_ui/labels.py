"""Words the admin UI shows for what is stored as codes, and form errors as people read them.

Event kinds, statuses, channels, roles and the like are stored as codes
(``financing_matchmaking``, ``draft``); officers see their names from the shared locale
catalogs (``admin.*``, and the bot's own names where it already has them). The admin UI
is in Chinese; ``locale`` is there for when it offers English too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from core.errors import DomainError, one_language
from core.i18n import DEFAULT_LOCALE, catalogs, translate

ADMIN_LOCALE = DEFAULT_LOCALE

# Where the catalogs name each kind of code.
VOCABULARIES = {
    "event_kind": "admin.event_kind.",
    "event_status": "admin.event_status.",
    "registration_status": "bot.events.status.",
    "campaign_status": "bot.campaigns.status.",
    "channel": "admin.channel.",
    "registration_channel": "admin.registration_channel.",
    "question_status": "admin.question_status.",
    "job_status": "admin.job_status.",
    "job_stage": "admin.job_stage.",
    "role": "admin.role.",
    "origin": "admin.origin.",
    "locale": "admin.locale.",
    "company_size": "bot.campaigns.val.company_sizes.",
}

# pydantic's error types that share one message.
_TIME_ERRORS = re.compile(r"^(datetime|date|time|timezone)_")
# An English gloss after a Chinese message: "…不能晚于活动开始时间 (must not be after starts_at)".


def _text(key: str, locale: str) -> str | None:
    table = catalogs()
    return table.get(locale, {}).get(key) or table[DEFAULT_LOCALE].get(key)


def label(vocabulary: str, code: object, locale: str = ADMIN_LOCALE) -> str:
    """The name of a stored code (``label("event_kind", "training")`` is 培训). A code the
    catalogs do not name is shown as stored, and nothing for no value."""
    if code is None or code == "":
        return ""
    value = str(getattr(code, "value", code))
    return _text(VOCABULARIES[vocabulary] + value, locale) or value


def choices(vocabulary: str, codes: list[str], locale: str = ADMIN_LOCALE) -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a select field."""
    return [(code, label(vocabulary, code, locale)) for code in codes]


def vote_mark(vote: int | None, locale: str = ADMIN_LOCALE) -> str:
    """A user's vote on an answer as the bot's buttons show it: 👍 or 👎."""
    if vote is None:
        return ""
    return translate(locale, "bot.feedback.up" if vote > 0 else "bot.feedback.down")


def field_name(name: str, locale: str = ADMIN_LOCALE) -> str:
    return _text(f"admin.field.{name}", locale) or name


def _plain(message: str) -> str:
    """A message without pydantic's ``Value error, `` and, after Chinese, the English gloss."""
    return one_language(message.removeprefix("Value error, ").strip(), "zh")


def _named(field: str | None, message: str, locale: str) -> str:
    """``容量：已确认2个席位，容量不能更少``: the field as people call it, then the problem.
    A message that starts with the field's code (``capacity: …``) has it replaced."""
    message = _plain(message)
    code, sep, rest = message.partition(": ")
    if sep and re.fullmatch(r"[a-z_]+", code):
        field, message = code, rest
    if not field:
        return message
    return f"{field_name(field, locale)}：{message}"


def _problem(error: Mapping[str, Any], locale: str) -> str:
    kind = str(error["type"])
    context = {k: v for k, v in (error.get("ctx") or {}).items() if k != "error"}
    if kind == "value_error":
        return _plain(str((error.get("ctx") or {}).get("error", error["msg"])))
    key = "datetime" if _TIME_ERRORS.match(kind) else kind
    text = _text(f"admin.error.{key}", locale)
    if text is None:
        return _plain(str(error["msg"])) or translate(locale, "admin.error.fallback")
    return text.format(**context) if context else text


def form_errors(exc: ValidationError | DomainError, locale: str = ADMIN_LOCALE) -> list[str]:
    """What is wrong with a form, one line per problem, naming the field as people do:
    ``标题：不能为空``, not ``title: String should have at least 1 character``."""
    if isinstance(exc, DomainError):
        return [_named(exc.field, exc.message, locale)]
    lines = []
    for error in exc.errors(include_url=False):
        fields = [part for part in error["loc"] if isinstance(part, str)]
        lines.append(_named(fields[0] if fields else None, _problem(error, locale), locale))
    return list(dict.fromkeys(lines))  # a field refused twice (enum and type) is said once
