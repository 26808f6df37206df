import re

import pytest

from core.i18n import SUPPORTED_LOCALES, catalogs, pick_locale, translate

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_locale_has_the_same_keys_and_placeholders() -> None:
    reference = catalogs()["zh"]
    for locale in SUPPORTED_LOCALES:
        table = catalogs()[locale]
        assert set(table) == set(reference), f"{locale} differs from zh"
        for key, text in table.items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(reference[key])), key


@pytest.mark.parametrize(
    ("code", "locale"),
    [("en", "en"), ("en-GB", "en"), ("zh-hans", "zh"), ("ZH_TW", "zh"), ("de", "zh"), (None, "zh")],
)
def test_client_language_maps_to_a_supported_locale(code: str | None, locale: str) -> None:
    assert pick_locale(code) == locale


def test_missing_keys_fall_back_to_chinese_then_to_the_key() -> None:
    assert translate("fr", "bot.start") == translate("zh", "bot.start")
    assert translate("en", "no.such.key") == "no.such.key"
    assert translate("en", "bot.ask.too_long", limit=7).count("7") == 1
