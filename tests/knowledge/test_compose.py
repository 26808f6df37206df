"""How ranked hits become the answer's text: the citation's punctuation, and two documents
ruling on the same matter shown together, the newer first."""

from __future__ import annotations

from knowledge.answer import compose
from knowledge.index.entries import Entry
from knowledge.search import Hit

THRESHOLD, FAQ_THRESHOLD = 0.5, 0.8
QUESTION = "发明专利授权后资助多少钱？"


def passage(document: str, section: str, text: str, dated: str | None) -> Entry:
    slug = document[:4]
    return Entry(
        kind="passage",
        item=f"doc:{slug}#{section}",
        search_text=text,
        text=text,
        document=document,
        document_slug=slug,
        section=section,
        quote=text,
        dated=dated,
    )


def hit(entry: Entry, score: float, dense: float = 0.95) -> Hit:
    return Hit(
        item=entry.item,
        entry=entry,
        score=score,
        dense=dense,
        bm25_rank=0,
        dense_rank=0,
        coverage=0.8,
        gives=True,
    )


PLAN = passage(
    "示例市试点城市方案", "三、", "对授权发明专利给予资助，每件资助2000元。", "2014-01-22"
)
MEASURES = passage(
    "示例市专利资助办法", "第六条", "第六条　对授权的国内发明专利，每件资助5000元。", "2025-03-01"
)


def test_the_newer_document_leads_and_the_older_follows_while_sources_keep_their_rank() -> None:
    answer = compose([hit(PLAN, 3.0), hit(MEASURES, 2.9)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert answer.answered
    assert answer.answer.startswith("根据《示例市专利资助办法》第六条：\n")
    newer, older = (
        answer.answer.index("5000元"),
        answer.answer.index("另见《示例市试点城市方案》三、："),
    )
    assert newer < older and "2000元" in answer.answer[older:]
    assert [s.document for s in answer.sources] == ["示例市试点城市方案", "示例市专利资助办法"]
    assert answer.body.index("5000元") < answer.body.index("2000元")


def test_an_older_runner_up_follows_the_newer_top() -> None:
    answer = compose([hit(MEASURES, 3.0), hit(PLAN, 2.9)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert answer.answer.startswith("根据《示例市专利资助办法》第六条：")
    assert "另见《示例市试点城市方案》三、：“" in answer.answer


def test_a_newer_document_too_weak_to_answer_alone_does_not_lead() -> None:
    weak = hit(MEASURES, 2.9, dense=0.80)  # below the answer threshold on its own
    answer = compose([hit(PLAN, 3.0), weak], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert answer.answer.startswith("根据《示例市试点城市方案》三、：")


def test_a_distant_runner_up_is_not_named() -> None:
    answer = compose([hit(PLAN, 3.0), hit(MEASURES, 1.0)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert "另见" not in answer.answer and "5000元" not in answer.answer


def test_undated_documents_keep_the_ranking_order() -> None:
    undated = passage("示例市专利资助办法", "第六条", MEASURES.text, None)
    answer = compose([hit(PLAN, 3.0), hit(undated, 2.9)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert answer.answer.startswith("根据《示例市试点城市方案》三、：")


def test_cited_lines_use_full_width_punctuation_in_chinese_and_ascii_in_english() -> None:
    zh = compose([hit(MEASURES, 3.0)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    en = compose([hit(MEASURES, 3.0)], THRESHOLD, FAQ_THRESHOLD, "en", QUESTION)
    assert zh.answer.startswith("根据《示例市专利资助办法》第六条：")
    assert ":" not in zh.answer.split("\n")[0]
    assert en.answer.startswith("Source: 《示例市专利资助办法》第六条\n")


def test_eval_counts_an_amount_as_stated_only_when_the_answer_text_holds_it() -> None:
    from knowledge.evaluate import Outcome, states_gold, summarise

    answer = compose([hit(PLAN, 3.0), hit(MEASURES, 2.9)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert states_gold(answer, ["每件资助5000元"])
    assert not states_gold(answer, ["每件资助8000元"])
    refused = compose([hit(MEASURES, 3.0, dense=0.5)], THRESHOLD, FAQ_THRESHOLD, "zh", QUESTION)
    assert not refused.answered and not states_gold(refused, ["每件资助5000元"])

    def outcome(kind: str, in_text: bool | None) -> Outcome:
        return Outcome("q", True, True, 0.9, 1, kind, "literal", in_text)

    figures = summarise([outcome("amount", True), outcome("date", False), outcome("other", None)])
    assert (figures["specific"], figures["specific_in_text"]) == (2, 0.5)


def officer_answer(written: str) -> Entry:
    return Entry(
        kind="faq",
        item="faq:officer-q1",
        search_text="知识产权局在哪里办公？",
        text="在市民之家三楼知识产权窗口办理。",
        document="",
        document_slug="",
        section="",
        quote="",
        question="知识产权局在哪里办公？",
        dated=written,
    )


def test_an_officer_answer_names_the_office_and_its_day_and_lists_no_other_clauses() -> None:
    from zoneinfo import ZoneInfo

    # Written at 20:30 UTC on 6 December: 7 December on the office's clock.
    written = officer_answer("2026-12-06T20:30:00+00:00")
    unrelated = passage("示例市试点城市方案", "四、", "设立知识产权窗口。", "2014-01-22")
    hits = [hit(written, 3.0), hit(unrelated, 1.0)]
    zh = compose(
        hits,
        THRESHOLD,
        FAQ_THRESHOLD,
        "zh",
        "在哪办？",
        "示例市知识产权局",
        ZoneInfo("Asia/Shanghai"),
    )
    assert zh.answer.endswith("（依据：工作人员答复（示例市知识产权局，2026-12-07））")
    assert [s.cited for s in zh.sources] == ["工作人员答复（示例市知识产权局，2026-12-07）"]
    en = compose(hits, THRESHOLD, FAQ_THRESHOLD, "en", "where?", "示例市知识产权局")
    assert en.sources[0].cited == "an officer's answer (示例市知识产权局, 2026-12-06)"  # UTC
    plain = compose(hits, THRESHOLD, FAQ_THRESHOLD, "zh", "在哪办？")
    assert plain.sources[0].cited == "工作人员答复（2026-12-06）"
