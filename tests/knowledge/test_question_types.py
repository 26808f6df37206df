import pytest

from knowledge.doc_dates import chinese_number, document_dates, repealed_titles
from knowledge.question_types import gives, question_type, says_unspecified


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("发明专利授权后资助多少钱？", "amount"),
        ("卖山寨货最多罚多少？", "amount"),
        ("贴息最长贴几年？", "duration"),
        ("公示几天？", "duration"),
        ("这个办法什么时候开始施行？", "date"),
        ("专利纠纷归哪个部门管？", "organisation"),
        ("商业秘密是指什么？", "definition"),
        ("申请资助需要什么材料？", "procedure"),
        ("企业可以拿专利贷款吗？", None),
    ],
)
def test_what_a_question_asks_for(question: str, kind: str | None) -> None:
    assert question_type(question) == kind


def test_whether_a_text_states_that_kind_of_answer() -> None:
    assert gives("每件资助5000元", "amount") and gives("处五万元以上五十万元以下的罚款", "amount")
    assert not gives("每万人发明专利拥有量突破3.3件", "amount")
    assert gives("公示期为7个工作日", "duration") and gives("自2025年3月1日起施行", "date")
    assert not gives("加大资金投入", "amount") and not gives("任何文字", None)
    assert says_unspecified("方案未规定资助金额和标准") and not says_unspecified("每件资助5000元")


def test_dates_and_repeals_a_text_states() -> None:
    text = (
        "焦作市知识产权资助办法\n2025年2月14日\n第二十五条　本办法自2025年3月1日起施行，"
        "有效期至2027年12月31日。原《焦作市专利资助办法》（焦政办〔2016〕38号）同时废止。"
    )
    found = document_dates(text)
    assert (found.valid_from.isoformat(), found.valid_until.isoformat()) == (
        "2025-03-01",
        "2027-12-31",
    )
    assert repealed_titles(text) == ["焦作市专利资助办法"]
    law = "2009年6月25日 郑州市人民代表大会常务委员会通过\n本条例自二〇〇九年十月一日起施行。"
    assert document_dates(law).issued_on.isoformat() == "2009-06-25"
    assert document_dates(law).valid_from.isoformat() == "2009-10-01"
    assert document_dates("本办法自2020年1月1日起施行，有效期3年。").valid_until.year == 2023
    assert [chinese_number(n) for n in ("二〇二五", "十二", "二十一", "30")] == [2025, 12, 21, 30]
