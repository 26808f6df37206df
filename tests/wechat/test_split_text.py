"""Splitting long answers into WeChat text messages (2048 bytes each, UTF-8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wechat.callback import TEXT_LIMIT_BYTES, split_text


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_a_short_text_is_one_part_and_an_empty_one_none() -> None:
    assert split_text("  专利资助：最高 5 万元。\n") == ["专利资助：最高 5 万元。"]
    assert split_text(" \n\t ") == []


def test_chinese_text_is_cut_by_bytes_at_sentence_ends() -> None:
    sentence = "企业申请发明专利授权后可获得资助，具体标准以当年通知为准。"  # 29 chars, 87 bytes
    text = sentence * 60  # 5220 bytes: far more characters than fit in 2000 bytes
    parts = split_text(text)
    assert len(parts) == 3
    assert all(size(p) <= TEXT_LIMIT_BYTES for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text
    assert size(parts[0]) > TEXT_LIMIT_BYTES - size(sentence)  # packed, not one per sentence


def test_paragraphs_and_lines_are_preferred_to_sentences() -> None:
    first = "第一条 " + "资助对象为本市企业。" * 30  # 904 bytes
    second = "第二条 " + "资助标准如下。" * 40
    parts = split_text(f"{first}\n\n{second}", 1500)
    assert parts[0] == first
    assert all(size(p) <= 1500 for p in parts)
    lines = "\n".join(f"{n}. 材料清单第{n}项" for n in range(1, 200))
    for part in split_text(lines, 500):
        assert part.split("\n")[0].split(".")[0].isdigit()  # every part starts at a line


def test_a_text_without_boundaries_is_cut_between_characters() -> None:
    text = "知" * 1000 + "😀" * 10  # 3 and 4 bytes per character
    parts = split_text(text, 100)
    assert all(size(p) <= 100 for p in parts)
    assert "".join(parts) == text
    assert size(parts[0]) == 99  # 33 characters of 3 bytes; a 34th would not fit


def test_a_limit_that_holds_no_character_is_refused() -> None:
    with pytest.raises(ValueError, match="limit_bytes"):
        split_text("知识产权", 3)


@given(st.text(alphabet=st.sampled_from("知识产权。，！？ \n\nab.😀"), max_size=600),
       st.integers(min_value=4, max_value=300))  # fmt: skip
def test_parts_fit_and_keep_every_non_blank_character(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < size(p) <= limit for p in parts)
    assert all(p == p.strip() for p in parts)
    squeeze = "".join(text.split())
    assert "".join("".join(p.split()) for p in parts) == squeeze
