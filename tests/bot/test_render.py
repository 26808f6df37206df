import html as stdlib_html
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.render import TELEGRAM_LIMIT, render_answer, render_plain, split_text, telegram_len
from core.i18n import Translator
from knowledge.answer import Answer, Source

T = Translator("zh")


def source(document: str, section: str) -> Source:
    return Source("passage", document, section, "text", "quote", 1.0)


def unescape(messages: list[str]) -> str:
    return stdlib_html.unescape(re.sub(r"</?b>", "", "".join(messages)))


def test_answer_then_distinct_sources_all_escaped() -> None:
    answer = Answer(
        True,
        0.9,
        "质押融资<script>&",
        [
            source("《A&B》方案", "三、重点任务 › (四) › 5."),
            source("《A&B》方案", "三、重点任务 › (四) › 5."),
            source("<i>实施</i>", "一、"),
        ],
    )
    [text] = render_answer(answer, T)
    assert text == (
        "质押融资&lt;script&gt;&amp;\n\n<b>出处</b>\n"
        "1. 《《A&amp;B》方案》三、重点任务 › (四) › 5.\n"
        "2. 《&lt;i&gt;实施&lt;/i&gt;》一、"
    )


def test_the_message_shows_the_body_and_lists_the_source_once() -> None:
    cited = "可以质押融资。\n(依据:《方案》三、)"
    answer = Answer(True, 0.9, cited, [source("方案", "三、")], body="可以质押融资。")
    [text] = render_answer(answer, T)
    assert text == "可以质押融资。\n\n<b>出处</b>\n1. 《方案》三、"


def test_not_found_answers_cite_nothing() -> None:
    answer = Answer(False, 0.1, "没有找到", [source("文件", "一、")])
    assert render_answer(answer, T) == ["没有找到"]


def test_long_text_is_cut_at_sentence_ends() -> None:
    sentence = "知识产权质押融资是一种融资方式。"
    pieces = split_text(sentence * 400)
    assert len(pieces) > 1
    assert all(piece.endswith("。") for piece in pieces)
    assert all(telegram_len(p) <= TELEGRAM_LIMIT for p in pieces)


def test_escaping_never_pushes_a_message_over_the_limit() -> None:
    messages = render_plain("<&>" * 3000, header="<b>工作人员答复</b>")
    assert all(telegram_len(m) <= TELEGRAM_LIMIT for m in messages)
    assert messages[0].startswith("<b>工作人员答复</b>\n&lt;&amp;&gt;")
    assert unescape(messages).replace("\n", "") == "工作人员答复" + "<&>" * 3000


@given(
    st.text(alphabet=st.sampled_from("政策专利<>&\"' \n。a😀"), min_size=1, max_size=3000),
    st.integers(min_value=20, max_value=300),
)
def test_split_pieces_fit_and_lose_no_visible_text(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(telegram_len(stdlib_html.escape(p, quote=False)) <= limit for p in pieces)
    assert "".join(pieces).split() == [] or "".join("".join(pieces).split()) == "".join(
        text.split()
    )


def test_an_officer_answer_is_listed_by_its_citation_not_as_an_empty_document() -> None:
    officer = Source(
        "faq", "", "", "在三楼窗口办理。", "", 1.0, cited="工作人员答复（<局>，2026-12-07）"
    )
    answer = Answer(True, 0.9, "在三楼窗口办理。", [officer], body="在三楼窗口办理。")
    [text] = render_answer(answer, T)
    assert text.endswith("<b>出处</b>\n1. 工作人员答复（&lt;局&gt;，2026-12-07）")
    assert "《》" not in text
