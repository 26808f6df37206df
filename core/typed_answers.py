"""What people type where a form offers buttons: "是", "不是", "yes", "14", "10+", "跳过";
and what is plainly a question rather than an answer ("县(市、区)：专利质押贷款怎么申请？").

Plain functions of the text, shared by every form (the bot's sign-up, the benefits
questions in any channel), so that a typed answer means the same thing at every step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Compared after ``normalise``: lower case, full-width folded, end punctuation stripped.
YES_WORDS = frozenset(
    {"是", "是的", "对", "对的", "有", "嗯", "好", "好的", "确认", "yes", "y", "ok"}
)
NO_WORDS = frozenset({"否", "不是", "不", "不对", "没有", "无", "no", "n"})
SKIP_WORDS = frozenset({"跳过", "略过", "不填", "不清楚", "不确定", "skip", "-"})

_END_PUNCTUATION = " \t\n.。!！~～、,，;；"
_DIGITS = re.compile(r"^(\d{1,6})\s*(\+|以上|多)?\s*(?:件|个|项|家|人|名)?\s*(\+|以上|多)?$")
_CHINESE_NUMBERS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
# Words that make a Chinese sentence a question; 吗 only where a sentence ends.
_QUESTION_WORDS = re.compile(
    r"怎么|怎样|如何|什么|为什么|为何|哪些|哪个|哪里|哪儿|多少|能否|是否|可不可以|能不能"
    r"|吗\s*(?:[？?。!！,，]|$)"
)
_ENGLISH_QUESTION = re.compile(r"^(?:how|what|why|where|when|which|who)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Full-width folded (NFKC), lower case, without end punctuation or spaces."""
    return unicodedata.normalize("NFKC", text).strip(_END_PUNCTUATION).strip().lower()


def parse_yes_no(text: str) -> bool | None:
    """True for 是 / yes, False for 否 / 不是 / no, None for anything else."""
    word = normalise(text)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def is_skip(text: str) -> bool:
    """跳过 / skip typed at a step that may be skipped."""
    return normalise(text) in SKIP_WORDS


@dataclass(frozen=True)
class Count:
    """A typed count: ``value``, or at least ``value`` for "10+" / "10件以上"."""

    value: int
    at_least: bool = False


def parse_count(text: str) -> Count | None:
    """ "14", "14件", "10+", "10件以上", "十", "两件", "零" → a count; None when the text is
    not a count (a negative number, a word, a question)."""
    word = normalise(text).replace(" ", "")
    match = _DIGITS.match(word)
    if match:
        return Count(int(match.group(1)), bool(match.group(2) or match.group(3)))
    for suffix in ("件以上", "个以上", "以上", "件", "个", "项"):
        if word.endswith(suffix) and word != suffix:
            at_least = suffix.endswith("以上")
            inner = parse_count(word[: -len(suffix)])
            if inner is None or inner.at_least:
                return None
            return Count(inner.value, at_least)
    value = _small_chinese_number(word)
    return Count(value) if value is not None else None


def _small_chinese_number(word: str) -> int | None:
    """一 … 九十九 in Chinese numerals (十四, 二十, 两); None for anything else."""
    if not word or any(char not in _CHINESE_NUMBERS for char in word):
        return None
    if len(word) == 1:
        return _CHINESE_NUMBERS[word]
    tens, _, ones = word.partition("十")
    if "十" not in word or "十" in ones:
        return None
    high = _CHINESE_NUMBERS[tens] if tens else 1
    low = _CHINESE_NUMBERS[ones] if ones else 0
    if high == 0 or high == 10 or low == 10:
        return None
    return high * 10 + low


def looks_like_question(text: str) -> bool:
    """Plainly a question, not a name or a place: it ends with ？ or ?, asks 怎么 / 如何 /
    什么 / 多少 …, ends a clause with 吗, or starts with how / what / why …"""
    folded = unicodedata.normalize("NFKC", text).strip()
    if folded.endswith("?"):
        return True
    return bool(_QUESTION_WORDS.search(folded) or _ENGLISH_QUESTION.match(folded))
