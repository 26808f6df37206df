"""Dates and repeals a policy text states about itself.

Official texts say when they take effect (``本办法自2025年3月1日起施行``), how long they
last (``有效期至2027年12月31日``, ``有效期3年``), when they were adopted (``2009年6月25日
…会议通过``, or the date line under the signature) and which earlier texts they replace
(``《焦作市专利资助办法》同时废止``). Metadata given with a file wins over what is read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from knowledge.normalize import fold_width

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}  # fmt: skip
_NUMBER = r"[\d〇零一二三四五六七八九十]+"
_DATE = rf"({_NUMBER})\s*年\s*({_NUMBER})\s*月\s*({_NUMBER})\s*日"
_IN_FORCE = re.compile(rf"自\s*{_DATE}\s*起(?:施行|实施|执行|生效)")
_UNTIL = re.compile(rf"有效期(?:至|到|截至)\s*{_DATE}")
_FOR_YEARS = re.compile(rf"有效期(?:为)?\s*({_NUMBER})\s*年")
_ADOPTED = re.compile(rf"{_DATE}[^。\n]{{0,80}}(?:通过|批准|发布|印发|修订|修正)")
_DATE_LINE = re.compile(rf"^\s*{_DATE}\s*$", re.M)
_REPEALS = re.compile(r"《([^》]{4,80})》[^。;\n]{0,60}?(?:同时|予以)?废止")


def chinese_number(text: str) -> int:
    """``2025`` → 2025, ``二〇二五`` → 2025, ``十二`` → 12, ``二十一`` → 21."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + _DIGITS.get(ch, 0)
    return value


def _to_date(match: re.Match[str], first: int = 1) -> date | None:
    try:
        return date(*(chinese_number(match.group(first + i)) for i in range(3)))
    except ValueError:
        return None


@dataclass(frozen=True)
class DocumentDates:
    issued_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def document_dates(text: str) -> DocumentDates:
    folded = fold_width(text)
    valid_from = next(filter(None, map(_to_date, _IN_FORCE.finditer(folded))), None)
    until_match = _UNTIL.search(folded)
    valid_until = _to_date(until_match) if until_match else None
    years = _FOR_YEARS.search(folded)
    if valid_until is None and years and valid_from is not None:
        span = chinese_number(years.group(1))
        try:
            valid_until = valid_from.replace(year=valid_from.year + span)
        except ValueError:  # 29 February
            valid_until = valid_from.replace(year=valid_from.year + span, day=28)
    adopted = [d for d in map(_to_date, _ADOPTED.finditer(folded[:2000])) if d]
    date_lines = [d for d in map(_to_date, _DATE_LINE.finditer(folded)) if d]
    issued_on = max(adopted) if adopted else (date_lines[-1] if date_lines else None)
    return DocumentDates(issued_on, valid_from, valid_until)


def repealed_titles(text: str) -> list[str]:
    """Titles of the texts this one says it repeals, in order."""
    folded = fold_width(text)
    return list(dict.fromkeys(m.group(1).strip() for m in _REPEALS.finditer(folded)))
