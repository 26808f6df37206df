"""UI texts from locale catalogs (``core/locales/<locale>.yaml``).

A catalog is a flat mapping of dotted keys to strings with ``{name}`` placeholders, shared
by every front door (bot, web chat, admin). Chinese is the reference locale: a key missing
from another catalog falls back to Chinese, and a key missing everywhere is shown as the
key itself so that a gap is visible instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "zh"
SUPPORTED_LOCALES = ("zh", "en")


def load_catalog(path: Path) -> dict[str, str]:
    """Read one catalog file, refusing anything but a flat mapping of strings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: a catalog is a mapping of keys to strings")
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"{path.name}: {key!r} must map a string key to a string")
    return data


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    return {locale: load_catalog(LOCALES_DIR / f"{locale}.yaml") for locale in SUPPORTED_LOCALES}


def pick_locale(language_code: str | None) -> str:
    """The supported locale closest to a client's language code ('en-GB' → 'en')."""
    if language_code:
        base = language_code.lower().replace("_", "-").split("-")[0]
        if base in SUPPORTED_LOCALES:
            return base
    return DEFAULT_LOCALE


def translate(locale: str, key: str, **params: Any) -> str:
    """The text for ``key`` in ``locale`` with ``params`` filled in.

    Parameters are inserted as given: a caller rendering HTML escapes user text first.
    """
    table = catalogs()
    text = table.get(locale, {}).get(key) or table[DEFAULT_LOCALE].get(key) or key
    return text.format(**params) if params else text


@dataclass(frozen=True)
class Translator:
    """``translate`` bound to one locale, handed to handlers as ``t``."""

    locale: str

    def __call__(self, key: str, **params: Any) -> str:
        return translate(self.locale, key, **params)
