"""Messages to registrants (promotion, cancellation, reminders), rendered from the
shared locale catalogs (``events.notice.*``) and written into the outbox in the
transaction of the change that causes them (``core.outbox``): committed with it, sent by
the delivery workers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import translate
from core.outbox import TELEGRAM, Message, Outbox
from events.models import Registration

# The office is in mainland China (UTC+8 all year, no daylight saving time).
OFFICE_TZ = timezone(timedelta(hours=8), "CST")


def local_time(moment: datetime) -> str:
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def render(key: str, locale: str, **params: Any) -> str:
    """The notice ``events.notice.<key>`` from the shared catalogs, as plain text: the
    channel's transport escapes it (Telegram's renders it as escaped HTML)."""
    return translate(locale, f"events.notice.{key}", **{k: str(v) for k, v in params.items()})


@dataclass(frozen=True)
class Notice:
    """One message for one Telegram chat; ``topic`` names it in the delivery figures."""

    chat_id: int
    text: str
    topic: str = "event_notice"


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
    return Notice(contact.telegram_chat_id, text, f"event_{key}"[:32])


async def queue(session: AsyncSession, outbox: Outbox, notices: Iterable[Notice | None]) -> int:
    """Write each notice into the outbox in ``session``'s transaction; how many."""
    count = 0
    for notice in notices:
        if notice is not None:
            message = Message(TELEGRAM, str(notice.chat_id), notice.text, topic=notice.topic)
            await outbox.put(session, message)
            count += 1
    return count
