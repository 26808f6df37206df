"""What typed words mean at a form's button steps, and what is plainly a question: the one
parser every form of the bot uses (``core.typed_answers``)."""

from __future__ import annotations

import pytest

from core.typed_answers import Count, is_skip, looks_like_question, parse_count, parse_yes_no


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("是", True),
        ("是的。", True),
        ("Yes", True),
        ("ＹＥＳ！", True),
        ("确认", True),
        ("否", False),
        ("不是", False),
        ("no", False),
        ("没有", False),
        ("是不是", None),
        ("14", None),
        ("专利质押贷款怎么申请？", None),
        ("", None),
    ],
)
def test_yes_and_no(text: str, meaning: bool | None) -> None:
    assert parse_yes_no(text) is meaning


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("14", Count(14)),
        (" 14件 ", Count(14)),
        ("０", Count(0)),
        ("10+", Count(10, True)),
        ("10件以上", Count(10, True)),
        ("10多件", Count(10, True)),
        ("十四", Count(14)),
        ("二十", Count(20)),
        ("两件", Count(2)),
        ("十件以上", Count(10, True)),
        ("-3", None),
        ("很多", None),
        ("14.5", None),
        ("十十", None),
        ("件", None),
        ("", None),
    ],
)
def test_counts(text: str, count: Count | None) -> None:
    assert parse_count(text) == count


def test_skip_words() -> None:
    assert is_skip("跳过") and is_skip("Skip") and is_skip("不填。")
    assert not is_skip("解放区")


@pytest.mark.parametrize(
    "text",
    [
        "专利质押贷款怎么申请？",
        "专利质押贷款怎么申请",
        "有补贴吗",
        "有补贴吗，谢谢",
        "需要什么材料",
        "如何报名",
        "贯标奖励多少钱",
        "能不能补报",
        "解放区?",
        "How do I apply",
        "what is this",
    ],
)
def test_plain_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "焦作测试科技有限公司",
        "解放区",
        "修武县",
        "王经理",
        "Jiaozuo Test Co., Ltd.",
        "吗啡制药厂",
        "Li Si",
    ],
)
def test_names_and_places_are_not_questions(text: str) -> None:
    assert not looks_like_question(text)
