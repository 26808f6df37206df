"""The office's clock: stored UTC times shown to the minute in the office's zone, typed
times read in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.clock_display import DEFAULT_ZONE, OfficeClock
from tests.conftest import make_settings

CHINA = OfficeClock.named()
STORED = datetime(2026, 12, 20, 1, 30, 15, 123456, tzinfo=UTC)


def test_a_stored_time_is_shown_in_china_time_to_the_minute() -> None:
    assert CHINA.show(STORED) == "2026-12-20 09:30"
    assert CHINA.show(datetime(2026, 12, 19, 16, 5, tzinfo=UTC)) == "2026-12-20 00:05"
    assert CHINA.show(STORED.isoformat()) == "2026-12-20 09:30"  # as the figures carry it
    assert CHINA.show(STORED.replace(tzinfo=None)) == "2026-12-20 09:30"  # naive is UTC
    assert CHINA.show(None) == ""
    assert CHINA.show_day(datetime(2026, 12, 19, 16, 5, tzinfo=UTC)) == "2026-12-20"
    assert CHINA.show_day(date(2014, 5, 1)) == "2014-05-01"
    assert CHINA.field(STORED) == "2026-12-20T09:30"


@pytest.mark.parametrize("typed", ["2026-12-20 09:30", "2026-12-20T09:30", " 2026-12-20T09:30:00 "])
def test_a_typed_time_is_china_time_stored_as_utc(typed: str) -> None:
    moment = CHINA.read(typed)
    assert moment == datetime(2026, 12, 20, 1, 30, tzinfo=UTC) and moment.tzinfo is UTC


def test_a_typed_time_with_its_own_offset_keeps_it() -> None:
    assert CHINA.read("2026-12-20T09:30+00:00") == datetime(2026, 12, 20, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        CHINA.read("next tuesday")


def test_another_office_zone_follows_its_daylight_saving_time() -> None:
    berlin = OfficeClock.named("Europe/Berlin")
    assert berlin.show(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == "2026-07-01 09:00"
    assert berlin.show(datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) == "2026-12-01 09:00"
    assert berlin.read("2026-07-01 09:00") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    fixed = OfficeClock(timezone(timedelta(hours=8)))
    assert fixed.show(STORED) == CHINA.show(STORED)


def test_the_setting_defaults_to_china_and_refuses_unknown_zones(tmp_path: Path) -> None:
    assert make_settings(tmp_path).timezone == DEFAULT_ZONE == "Asia/Shanghai"
    assert make_settings(tmp_path, timezone=" Asia/Tokyo ").timezone == "Asia/Tokyo"
    for wrong in ("Beijing", "", "../etc/passwd"):
        with pytest.raises(ValidationError, match="time zone"):
            make_settings(tmp_path, timezone=wrong)
