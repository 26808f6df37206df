"""Formula neutralisation of exported cells."""

from __future__ import annotations

import pytest

from core.csv_safe import safe_cell


@pytest.mark.parametrize(
    "value", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＠SUM(A1)"]
)
def test_formula_starts_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["焦作企业", "13800138000", "a=b", ""])
def test_ordinary_text_is_kept(value: str) -> None:
    assert safe_cell(value) == value
