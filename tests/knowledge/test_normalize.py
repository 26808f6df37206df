from knowledge.normalize import normalize


def test_traditional_and_full_width_fold_to_simplified_half_width() -> None:
    assert normalize("專利申請有補貼嗎？ＡＢＣ　１２３") == "专利申请有补贴吗?abc 123"


def test_whitespace_collapses_and_chinese_punctuation_stays() -> None:
    assert normalize("  一、\t指导思想。\n\n(一)总体目标;") == "一、 指导思想。 (一)总体目标;"
