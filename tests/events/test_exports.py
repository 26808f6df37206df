"""Formula neutralisation of exported cells."""

from __future__ import annotations

import pytest

from events.exports import neutralise


@pytest.mark.parametrize("value", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["焦作企业", "13800138000", "a=b", ""])
def test_ordinary_text_is_kept(value: str) -> None:
    assert neutralise(value) == value
