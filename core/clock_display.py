"""Times as people at the office read and type them.

Every time is stored in UTC. People see it in the office's time zone
(``POLICYDESK_TIMEZONE``, China time by default) to the minute, as ``2026-12-20 09:30``,
and a time they type without a zone (an event's start in a form) is that zone's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
SHOWN = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"
# What a browser's ``datetime-local`` field holds and sends.
FIELD = "%Y-%m-%dT%H:%M"


def office_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Asia/Shanghai``), or a ValueError saying it is unknown."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a known time zone; use a name such as Asia/Shanghai"
        ) from None


@dataclass(frozen=True)
class OfficeClock:
    """Shows stored times in ``zone`` and reads typed times as ``zone``'s."""

    zone: tzinfo

    @classmethod
    def named(cls, name: str = DEFAULT_ZONE) -> OfficeClock:
        return cls(office_zone(name))

    def local(self, moment: datetime | str) -> datetime:
        """The moment on the office's clock. Stored values are UTC: a value without a zone
        (or an ISO text, as figures carry them) is taken as UTC."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def show(self, moment: datetime | str | None) -> str:
        """``2026-12-20 09:30``; nothing for no time."""
        return "" if moment is None or moment == "" else self.local(moment).strftime(SHOWN)

    def show_day(self, moment: datetime | date | None) -> str:
        """``2026-12-20``: the office's date of a moment (a date is shown as it is)."""
        if moment is None:
            return ""
        if not isinstance(moment, datetime):
            return moment.strftime(DAY)
        return self.local(moment).strftime(DAY)

    def field(self, moment: datetime | None) -> str:
        """The value of a ``datetime-local`` field: ``2026-12-20T09:30``, office time."""
        return "" if moment is None else self.local(moment).strftime(FIELD)

    def read(self, text: str) -> datetime:
        """A typed time as an aware UTC datetime. ``2026-12-20 09:30`` and the form field's
        ``2026-12-20T09:30`` are office time; a text with its own offset keeps it.
        A ValueError when the text is not a date and time."""
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC)
