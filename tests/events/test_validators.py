"""Credit codes (GB 32100-2015 + GB 11714), mobile numbers and patent numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.errors import InvalidCreditCode, InvalidPatentNumber, InvalidPhone
from events.validators import (
    normalise_credit_code,
    normalise_mobile,
    normalise_patent_number,
)

# Real codes of registered companies (published on the national enterprise credit system),
# including the organisation codes of the 2015+ "MA" series.
REAL_CREDIT_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "91350200776049653A",
    "91350503MA31DKY80A",
    "91440101MA5CJQ4N59",
    "9135021359498494XQ",  # organisation code check digit 'X'
    "123502001549897397",  # a public institution (机构编制, type 2)
    "91350213678251743X",
]

# Real granted patents: 12-digit numbers (from October 2003) and the older 8-digit form.
REAL_PATENTS = [
    "ZL201710601862.3",
    "ZL202010566088.9",
    "ZL 2015 1 0958772.0",
    "ZL2005 10096239.4",
    "ZL201811564288.X",
    "ZL202322865413.3",
    "ZL99113861.9",
    "ZL01105715.7",
    "ZL00125301.8",
    "ZL01126463.2",
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_accepted(code: str) -> None:
    assert normalise_credit_code(code) == code


def test_credit_code_is_folded_from_lower_case_spaces_and_full_width() -> None:
    assert normalise_credit_code(" 9144 0300 7084 6113 6t ") == "91440300708461136T"
    assert normalise_credit_code("９１４４０３００１９２２０３８２１６") == "914403001922038216"


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_every_single_character_change_of_a_real_credit_code_is_rejected(code: str) -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for position in range(18):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidCreditCode):
                normalise_credit_code(mutated)


@given(
    st.sampled_from(REAL_CREDIT_CODES),
    st.integers(0, 17),
    st.characters(codec="utf-8", exclude_characters=" \t\n\r\x0b\x0c"),
)
def test_any_character_change_is_rejected(code: str, position: int, char: str) -> None:
    mutated = code[:position] + char + code[position + 1 :]
    if normalise_is_identity(mutated, code):
        return
    with pytest.raises(InvalidCreditCode):
        normalise_credit_code(mutated)


def normalise_is_identity(mutated: str, code: str) -> bool:
    """Lower case or full-width forms of the same character are the same code."""
    try:
        return normalise_credit_code(mutated) == code
    except InvalidCreditCode:
        return False


def test_organisation_code_check_is_enforced_even_when_the_18th_character_fits() -> None:
    # Pilot-era Fujian codes (2014) with a correct 18th character but an organisation code
    # that does not follow GB 11714 are refused: the national standard applies to both.
    first17 = "91350100M0001TGQ" + "5"
    from events.validators import credit_check_char, org_code_check_char

    assert org_code_check_char("M0001TGQ") != "5"
    with pytest.raises(InvalidCreditCode, match="9-17"):
        normalise_credit_code(first17 + credit_check_char(first17))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("91440300708461136", "18"), ("91440300708461136TT", "18"), ("91440300708461I36T", "I")],
)
def test_credit_code_messages_name_field_and_problem(raw: str, problem: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        normalise_credit_code(raw)
    assert caught.value.field == "credit_code"
    assert caught.value.message.startswith("credit_code:")
    assert problem in caught.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("86 19912345678", "19912345678"),
        ("(+86) 166-1234-5678", "16612345678"),
        ("１３８００１３８０００", "13800138000"),
    ],
)
def test_mobile_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["1380013800", "138001380001", "12800138000", "23800138000", "0391-1234567", "abc", ""],
)
def test_invalid_mobile_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalise_mobile(raw)
    assert caught.value.field == "phone" and "11" in caught.value.message


@pytest.mark.parametrize("raw", REAL_PATENTS)
def test_real_patent_numbers_are_accepted(raw: str) -> None:
    normalised = normalise_patent_number(raw)
    assert normalised.startswith("ZL") and " " not in normalised
    assert normalise_patent_number(normalised) == normalised


def test_patent_number_forms() -> None:
    assert normalise_patent_number("2017 1 0601862.3") == "ZL201710601862.3"
    assert normalise_patent_number("zl201811564288.x") == "ZL201811564288.X"
    assert normalise_patent_number("ZL 99 1 13861.9") == "ZL99113861.9"
    assert normalise_patent_number("CN201710601862.3") == "ZL201710601862.3"


@pytest.mark.parametrize("raw", REAL_PATENTS)
def test_every_single_character_change_of_a_real_patent_is_rejected(raw: str) -> None:
    canonical = normalise_patent_number(raw)
    for position in range(2, len(canonical)):
        if canonical[position] == ".":
            continue
        for replacement in "0123456789X":
            if replacement == canonical[position]:
                continue
            mutated = canonical[:position] + replacement + canonical[position + 1 :]
            with pytest.raises(InvalidPatentNumber):
                normalise_patent_number(mutated)


@pytest.mark.parametrize(
    "raw", ["ZL2017106018624", "201710601862", "ZL201740601862.9", "ZL 2013 1 0123456.7", "专利"]
)
def test_invalid_patent_numbers_are_rejected(raw: str) -> None:
    # "ZL 2013 1 0123456.7" is the example of the format; its check digit is 2.
    with pytest.raises(InvalidPatentNumber) as caught:
        normalise_patent_number(raw)
    assert caught.value.field == "patents"
