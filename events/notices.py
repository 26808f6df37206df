"""Messages to registrants (promotion, cancellation, reminders), rendered from the
shared locale catalogs (``events.notice.*``) and delivered through the notifier port
after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from core.i18n import translate
from core.notify import Notifier
from events.models import Registration

log = logging.getLogger(__name__)

# The office is in mainland China (UTC+8 all year, no daylight saving time).
OFFICE_TZ = timezone(timedelta(hours=8), "CST")
# A Telegram channel without the "officer's answer" header (see ``bot.notify``).
CHANNEL = "telegram_notice"


def local_time(moment: datetime) -> str:
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def render(key: str, locale: str, **params: Any) -> str:
    """The notice ``events.notice.<key>`` from the shared catalogs, as plain text: the
    channel's sender escapes it (the Telegram sender renders it as escaped HTML)."""
    return translate(locale, f"events.notice.{key}", **{k: str(v) for k, v in params.items()})


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
