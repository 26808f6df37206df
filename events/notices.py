"""Messages to registrants (promotion, cancellation, reminders), rendered from
``notices.yaml`` and delivered through the notifier port after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.notify import Notifier
from events.models import Registration

log = logging.getLogger(__name__)

# The office is in mainland China (UTC+8 all year, no daylight saving time).
OFFICE_TZ = timezone(timedelta(hours=8), "CST")
CHANNEL = "telegram"


@cache
def _catalog() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = yaml.safe_load(
        (Path(__file__).with_name("notices.yaml")).read_text(encoding="utf-8")
    )
    return data


def local_time(moment: datetime) -> str:
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def render(key: str, locale: str, **params: Any) -> str:
    """The message ``key`` in ``locale`` (Chinese when unknown), as plain text: the
    channel's sender escapes it (the Telegram sender renders it as HTML-escaped text)."""
    catalog = _catalog()
    texts = catalog.get(locale) or catalog["zh"]
    template = texts.get(key) or catalog["zh"][key]
    return template.format(**{name: str(value) for name, value in params.items()})


@dataclass(frozen=True)
class Notice:
    """One message for one Telegram chat."""

    chat_id: int
    text: str


def notice_for(registration: Registration, key: str) -> Notice | None:
    """The ``key`` message about this registration, or None when its contact has no chat."""
    contact, event = registration.contact, registration.event
    if contact.telegram_chat_id is None:
        return None
    text = render(
        key,
        contact.locale,
        title=event.title,
        starts_at=local_time(event.starts_at),
        place=event.place or "-",
        checkin_code=registration.checkin_code,
    )
    return Notice(contact.telegram_chat_id, text)


async def deliver(notifier: Notifier, notices: Iterable[Notice]) -> int:
    """Send each notice; a failure is logged and does not stop the others. Returns sent count."""
    sent = 0
    for notice in notices:
        try:
            if await notifier.send(CHANNEL, str(notice.chat_id), notice.text):
                sent += 1
        except Exception:
            log.exception("notice to chat %s failed", notice.chat_id)
    return sent
