"""Validators for what companies type in: company names, credit codes, mobile numbers,
patent numbers.

Each ``normalise_*`` function returns the canonical form or raises ``InvalidInput`` naming
the field and the problem: in both languages for the API, by catalog key (``errors.input.*``)
for the bot, which shows it in the user's language.
"""

from __future__ import annotations

import re

from events.errors import (
    InvalidCompanyName,
    InvalidCreditCode,
    InvalidPatentNumber,
    InvalidPhone,
)

# GB 32100-2015: the 31 characters of the unified social credit code (no I, O, S, V, Z).
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (0-based) is 3**i mod 31.
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714-1997: weights of the eight body characters of the organisation code.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_SEPARATORS = re.compile(r"[\s\-‐‑–—_·.．]+")
_FULLWIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)


def _fold(text: str) -> str:
    """Full-width letters and digits to ASCII, upper case, no spaces or separators."""
    return _SEPARATORS.sub("", text.translate(_FULLWIDTH)).upper()


def credit_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(CREDIT_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character for the eight body characters of an organisation code."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise_credit_code(raw: str, field: str = "credit_code") -> str:
    """A valid 18-character 统一社会信用代码, upper case, or ``InvalidInput``."""
    code = _fold(raw)
    if len(code) != 18:
        raise InvalidCreditCode.keyed(
            "errors.input.credit_code_length", field=field, count=len(code)
        )
    bad = sorted({ch for ch in code if ch not in CREDIT_CHARSET})
    if bad:
        raise InvalidCreditCode.keyed(
            "errors.input.credit_code_chars", field=field, chars="".join(bad)
        )
    if not code[2:8].isdigit():
        raise InvalidCreditCode.keyed("errors.input.credit_code_region", field=field)
    if org_code_check_char(code[8:16]) != code[16]:
        raise InvalidCreditCode.keyed("errors.input.credit_code_org", field=field)
    if credit_check_char(code[:17]) != code[17]:
        raise InvalidCreditCode.keyed("errors.input.credit_code_check", field=field)
    return code


COMPANY_NAME_MIN, COMPANY_NAME_MAX = 2, 200


def normalise_company_name(raw: str, field: str = "company_name") -> str:
    """A company's name as typed, trimmed, spaces collapsed: at least two characters and
    some letters (Chinese or Latin), not one character ("焦") or only digits and marks."""
    name = " ".join(raw.split())
    if not COMPANY_NAME_MIN <= len(name) <= COMPANY_NAME_MAX:
        raise InvalidCompanyName.keyed("errors.input.company_name", field=field)
    if not any(char.isalpha() for char in name):
        raise InvalidCompanyName.keyed("errors.input.company_name_letters", field=field)
    return name


_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_mobile(raw: str, field: str = "phone") -> str:
    """A mainland mobile number as 11 digits; accepts +86/0086, spaces, dashes, brackets."""
    digits = re.sub(r"[\s\-()（）]+", "", raw.translate(_FULLWIDTH))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone.keyed("errors.input.mobile", field=field)
    return digits


# Application numbers: 12 digits since October 2003 (year, kind, 7-digit serial),
# 8 digits before (2-digit year, kind, 5-digit serial); then '.' and a check character.
_PATENT = re.compile(r"(?:ZL|CN)?(\d{8}|\d{12})([0-9X])?")
PATENT_KINDS = {"1", "2", "3", "8", "9"}


def patent_check_char(digits: str) -> str:
    """Check character: digits weighted 2,3,...,9,2,3,... summed mod 11; 10 is 'X'."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def normalise_patent_number(raw: str, field: str = "patents") -> str:
    """``ZL 2013 1 0123456.7``-style input → ``ZL201310123456.7`` (or the 8-digit form)."""
    folded = _fold(raw)
    match = _PATENT.fullmatch(folded)
    if match is None or match.group(2) is None:
        raise InvalidPatentNumber.keyed("errors.input.patent_format", field=field, raw=raw)
    digits, check = match.group(1), match.group(2)
    kind = digits[4] if len(digits) == 12 else digits[2]
    if kind not in PATENT_KINDS:
        raise InvalidPatentNumber.keyed("errors.input.patent_kind", field=field, raw=raw)
    if patent_check_char(digits) != check:
        raise InvalidPatentNumber.keyed("errors.input.patent_check", field=field, raw=raw)
    return f"ZL{digits}.{check}"
