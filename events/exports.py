"""Registration lists for officers as CSV (UTF-8 with BOM, so Excel reads Chinese) and XLSX.

Every text cell that a spreadsheet could read as a formula is prefixed with an apostrophe
(``core.csv_safe``), as OWASP recommends against CSV/formula injection: company names
come from the public.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.csv_safe import safe_cell
from core.csv_safe import to_csv as csv_text
from events.models import Registration
from events.notices import local_time

Cell = str | int | Decimal | None

HEADERS = (
    "登记号 ID",
    "状态 Status",
    "企业名称 Company",
    "统一社会信用代码 Credit code",
    "区县 County",
    "行业 Industry",
    "规上 Above size",
    "联系人 Contact",
    "手机 Phone",
    "席位 Seats",
    "签到码 Check-in code",
    "报名时间 Registered at",
    "签到时间 Checked in at",
    "融资金额(万元) Amount",
    "质押专利 Patents",
    "用途 Purpose",
    "意向银行 Banks",
)


def _when(moment: datetime | None) -> str | None:
    return local_time(moment) if moment else None


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def rows(registrations: Sequence[Registration]) -> list[tuple[Cell, ...]]:
    out: list[tuple[Cell, ...]] = []
    for reg in registrations:
        company, contact, need = reg.company, reg.contact, reg.financing_need
        out.append(
            (
                reg.id,
                reg.status,
                company.name,
                company.credit_code,
                company.county,
                company.industry,
                _yes_no(company.above_designated_size),
                contact.name,
                contact.phone,
                reg.seats,
                reg.checkin_code,
                _when(reg.queued_at),
                _when(reg.checked_in_at),
                need.amount_wan if need else None,
                "; ".join(need.patents) if need else None,
                need.purpose if need else None,
                "; ".join(need.preferred_banks) if need else None,
            )
        )
    return out


def to_csv(registrations: Sequence[Registration]) -> bytes:
    return csv_text(HEADERS, rows(registrations)).encode("utf-8")  # the text starts with a BOM


def to_xlsx(registrations: Sequence[Registration], title: str = "registrations") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (
        ILLEGAL_CHARACTERS_RE.sub("", title)[:31].translate(
            str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
        )
        or "registrations"
    )
    sheet.append(HEADERS)
    for row in rows(registrations):
        values: list[Cell] = []
        for value in row:
            if isinstance(value, str):
                # openpyxl refuses control characters, and reads a leading '=' as a formula.
                value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
            values.append(value)
        sheet.append(values)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
