"""Long questions: the start of one too long, the parts of one asking several things."""

from __future__ import annotations

from knowledge.long_questions import MAX_PARTS, clip_question, question_parts

# Issue 17, item 8: about 220 characters on 质押 and 贯标, refused as a whole.
TWO_TOPICS = (
    "你好，我是修武县一家小型机械加工厂的财务负责人，我们厂里一共四十多个员工，这几年陆续申请了"
    "一些实用新型，还有两件发明专利刚刚授权下来。今年原材料涨价，订单又多，流动资金周转不过来，"
    "老板让我打听一下政府这边的政策。第一，用专利去银行做质押贷款，需要准备哪些材料、找哪个部门？"
    "第二，我们同时在准备贯标，听说通过以后市里有奖励，这个奖励是多少钱，什么时候申请？"
    "麻烦你们详细说一下，谢谢。"
)


def test_a_question_within_the_limit_is_kept_whole() -> None:
    assert clip_question("  专利资助怎么申请？ ", 500) == ("专利资助怎么申请？", False)
    assert clip_question("专" * 500, 500) == ("专" * 500, False)


def test_a_question_over_the_limit_keeps_its_first_characters() -> None:
    text, clipped = clip_question("质" * 500 + "押" * 100, 500)
    assert clipped and text == "质" * 500


def test_the_questions_of_a_long_message_are_its_parts() -> None:
    parts = question_parts(TWO_TOPICS)
    assert parts == [
        "第一，用专利去银行做质押贷款，需要准备哪些材料、找哪个部门？",
        "第二，我们同时在准备贯标，听说通过以后市里有奖励，这个奖励是多少钱，什么时候申请？",
    ]


def test_without_plain_questions_every_sentence_is_a_part() -> None:
    text = "我们公司想详细了解专利质押融资的流程和条件。还想了解企业贯标认证以后的奖励政策。谢谢。"
    assert question_parts(text) == [
        "我们公司想详细了解专利质押融资的流程和条件。",
        "还想了解企业贯标认证以后的奖励政策。谢谢。",  # a short piece joins its neighbour
    ]


def test_short_or_single_questions_are_not_split() -> None:
    assert question_parts("专利质押怎么办？贯标有奖励吗？") == []  # short: asked whole
    assert question_parts("我们公司" * 15 + "想知道专利质押贷款怎么申请？") == []


def test_at_most_a_few_parts_are_asked() -> None:
    text = "".join(f"第{n}个问题是关于专利资助的吗？" for n in range(1, 10))
    parts = question_parts(text)
    assert len(parts) == MAX_PARTS and parts[0] == "第1个问题是关于专利资助的吗？"
