"""Field types for what people type, shared by the API, the bot and the services.

Text is stripped before it is checked, so "   " is not a name; optional text that is blank
after stripping is "not given" (``None``), never stored as an empty string. Numbers and
yes/no answers are strict: ``"2"`` is not a count and ``1`` is not ``true`` (a client that
sends them has a bug worth hearing about, not a guess).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, StrictBool, StrictInt, StringConstraints

# C0 control characters but tab, LF and CR; and DEL. Nobody means them in text, and
# PostgreSQL refuses NUL: the API refuses them (api.input_guard), the bot drops them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def strip_control(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def _blank_as_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def required_text(max_length: int) -> StringConstraints:
    """Text that must say something: stripped, 1 to ``max_length`` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def free_text(max_length: int) -> StringConstraints:
    """Text that may be empty: stripped, at most ``max_length`` characters."""
    return StringConstraints(strip_whitespace=True, max_length=max_length)


BlankAsNone = BeforeValidator(_blank_as_none)
Count = StrictInt
YesNo = StrictBool

ShortText = Annotated[str, free_text(60)]
OptionalShortText = Annotated[ShortText | None, BlankAsNone]
