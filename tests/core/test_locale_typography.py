"""The locale catalogs read as their languages are written.

Chinese texts use full-width punctuation: a half-width ``! ? : ; , ( )`` that touches a
Chinese character (or a ``{placeholder}``, which stands for text in the same sentence) is
wrong — "您好!我是", "时间:{when}", "(不超过 500 字)". Half-width punctuation elsewhere is
fine: in URLs, HTML tags and entities, times such as 09:00, and English words and
commands written in a Chinese text ("http(s) 网址", "请选择语言 / Choose a language:").

Both catalogs also hold the same keys, with the same placeholders in each text.
"""

from __future__ import annotations

import re
import string

import pytest

from core.i18n import LOCALES_DIR, SUPPORTED_LOCALES, load_catalog

HALF_WIDTH = "!?:;,()"
# What is not prose: URLs, HTML tags, HTML entities (&lt;), placeholders ({count}).
_URL = re.compile(r"https?://[^\s<>\"'，。；）]+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# An entity, or an entity shown as an example: "&amp;amp;" reads "&amp;".
_ENTITY = re.compile(r"&(?:amp;)*(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# Chinese characters and the full-width punctuation and brackets that go with them.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’《》「」、…—]")
PLACEHOLDER_MARK = "\ue000"  # a private-use character standing for a placeholder


def _catalog(locale: str) -> dict[str, str]:
    return load_catalog(LOCALES_DIR / f"{locale}.yaml")


def _prose(text: str) -> str:
    """The text with URLs, tags and entities blanked out and placeholders marked."""
    for pattern in (_URL, _TAG, _ENTITY):
        text = pattern.sub(" ", text)
    return _PLACEHOLDER.sub(PLACEHOLDER_MARK, text)


def _chinese_side(char: str) -> bool:
    return char == PLACEHOLDER_MARK or _CHINESE.match(char) is not None


def half_width_in_chinese(text: str) -> list[str]:
    """Each half-width mark that touches Chinese text, shown with its neighbours."""
    prose = _prose(text)
    found = []
    for i, char in enumerate(prose):
        if char not in HALF_WIDTH:
            continue
        before = prose[i - 1] if i > 0 else ""
        after = prose[i + 1] if i + 1 < len(prose) else ""
        if _chinese_side(before) or _chinese_side(after):
            shown = (before + char + after).replace(PLACEHOLDER_MARK, "{…}")
            found.append(shown.replace("\n", "⏎"))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize(
    ("text", "offences"),
    [
        ("您好!我是助手。", ["好!我"]),
        ("时间:{when}", ["间:{…}"]),
        ("(不超过 {limit} 字)", ["(不", "字)"]),
        ("{kind}:{value}", ["{…}:{…}"]),
        ("例如 ZL201710601862.3;没有可跳过。", ["3;没"]),
        ("请按 2026-04-26 09:00 的格式输入。", []),
        ('可用 <a href="https://x.cn/a?b=1">链接</a> 和 &lt;b&gt;。', []),
        ("写成 &amp;lt; 和 &amp;amp;。", []),
        ("请选择语言 / Choose a language:", []),
        ("图片应为 http(s) 网址", []),
        ("时间：{when}（北京时间）", []),
    ],
)
def test_the_rule(text: str, offences: list[str]) -> None:
    assert half_width_in_chinese(text) == offences


def test_chinese_texts_use_full_width_punctuation() -> None:
    offending = {
        key: marks for key, text in _catalog("zh").items() if (marks := half_width_in_chinese(text))
    }
    assert not offending, "half-width punctuation in Chinese texts:\n" + "\n".join(
        f"  {key}: {' '.join(marks)}" for key, marks in sorted(offending.items())
    )


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    tables = {locale: _catalog(locale) for locale in SUPPORTED_LOCALES}
    reference = tables["zh"]
    problems = []
    for locale, table in tables.items():
        problems += [f"{locale} lacks {key}" for key in sorted(reference.keys() - table.keys())]
        problems += [f"{locale} only: {key}" for key in sorted(table.keys() - reference.keys())]
        for key in sorted(reference.keys() & table.keys()):
            if placeholders(table[key]) != placeholders(reference[key]):
                problems.append(
                    f"{key}: {locale} has {sorted(placeholders(table[key]))},"
                    f" zh has {sorted(placeholders(reference[key]))}"
                )
    assert not problems, "\n".join(problems)
