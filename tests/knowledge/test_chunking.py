from pathlib import Path

from knowledge.chunking import MAX_CHARS, TITLE_CHARS, chunk_document, clip_title, parts
from knowledge.pack import PACK_DIR

PLAN = PACK_DIR / "documents" / "jiaozuo-ip-pilot-city-plan-2014.txt"


def plan_text() -> str:
    return Path(PLAN).read_text("utf-8")


def test_every_chunk_is_a_verbatim_slice_within_the_size_limit() -> None:
    text = plan_text()
    chunks = chunk_document(text)
    assert len(chunks) > 30
    for chunk in chunks:
        assert chunk.text in text
        assert len(chunk.text) <= MAX_CHARS


def test_no_sentence_of_the_plan_is_lost() -> None:
    """Every sentence is in a chunk's text, or is a heading kept in the chunks' paths."""
    text = plan_text()
    chunks = chunk_document(text)
    joined = "".join(c.text for c in chunks)
    headings = {h.label + h.title for c in chunks for h in c.headings}
    for sentence in filter(None, (s.strip() for s in text.replace("\n", "。").split("。"))):
        assert sentence in joined or sentence in headings, sentence


def test_heading_path_follows_the_official_numbering() -> None:
    chunks = chunk_document(plan_text())
    pledge = next(c for c in chunks if "积极开展知识产权质押融资工作" in c.text)
    labels = [h.label for h in pledge.headings]
    assert labels == ["三、", "(四)", "5."]
    assert pledge.section.startswith("三、重点任务 › (四)深入实施知识产权战略 › 5.")


def test_inline_numbered_items_become_their_own_chunks() -> None:
    chunks = chunk_document(plan_text())
    item = next(c for c in chunks if c.text.startswith("(2)积极营造有利于知识产权人才培养"))
    assert [h.label for h in item.headings] == ["三、", "(四)", "1.", "(2)"]


def test_long_paragraphs_are_cut_at_sentence_ends() -> None:
    sentence = "这是一个用于测试的句子,内容足够长以便切分。"
    text = "一、测试\n1.长段落。" + sentence * 40
    chunks = chunk_document(text, max_chars=100)
    assert len(chunks) > 5
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)
    assert "".join(c.text for c in chunks) == "1.长段落。" + sentence * 40


def test_markdown_headings_give_the_path_and_a_first_level_one_heading_is_the_title() -> None:
    chunks = chunk_document("# 资助办法\n## 总则\n### 资助范围\n专利申请可获资助。")
    assert chunks[0].section == "总则 › 资助范围"
    assert chunk_document("## 总则\n# 资助范围\n专利申请可获资助。")[0].section == "资助范围"


LAW = """# 示例市专利促进条例

2020年5月1日 示例市人民代表大会常务委员会通过

## 第一章 总 则

第一条 为了促进专利工作，制定本条例。

第二条 本条例所称专利，包括发明、实用新型和外观设计。

## 第二章 资助与奖励

第一节 资助

第三条　对获得授权的发明专利，每件资助五千元。

申请人为个人的，每件资助二千元。

第四条 有下列情形之一的，不予资助：
（一）弄虚作假的；
（二）重复申报的。

附 则

第五条 本条例自2020年7月1日起施行。
"""


def test_a_law_is_chunked_by_article_with_its_paragraphs_and_items() -> None:
    chunks = chunk_document(LAW)
    by_article = {c.section: c for c in chunks if c.article}
    assert list(by_article) == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    funding = by_article["第三条"]
    assert "每件资助五千元" in funding.text and "每件资助二千元" in funding.text
    assert funding.text in LAW, "a chunk is a verbatim slice"
    assert [h.display for h in funding.headings] == ["第二章 资助与奖励", "第一节 资助", "第三条"]
    assert funding.context == "资助与奖励 资助"
    assert "（二）重复申报的。" in by_article["第四条"].text, "items stay in their article"
    assert by_article["第五条"].headings[0].display == "附则"
    # The title line is no section; the adoption line before the first chapter is text.
    assert chunks[0].section == "正文" and "常务委员会通过" in chunks[0].text


def test_a_long_article_is_split_at_its_paragraphs_and_keeps_its_number() -> None:
    paragraph = "申请人应当提交申请书、营业执照复印件和专利证书复印件等材料。" * 3
    text = "第十条 " + paragraph + "\n" + paragraph + "\n" + paragraph
    chunks = chunk_document(text, max_chars=120)
    assert len(chunks) == 3
    assert all(c.section == "第十条" for c in chunks)
    assert chunks[0].text.startswith("第十条") and chunks[1].text == paragraph


def test_article_numbers_in_running_text_are_not_articles() -> None:
    chunks = chunk_document("第六条 依照本条例第十七条的规定处理。\n违反第三条规定的，责令改正。")
    assert [c.section for c in chunks] == ["第六条"]


def test_paragraphs_of_a_chunk_are_its_finer_parts() -> None:
    assert parts("第三条 甲。\n乙。") == ["第三条 甲。", "乙。"]
    assert parts("一句话。") == []


def test_long_headings_are_cut_for_citations_at_a_phrase_end_or_a_word_boundary() -> None:
    phrase = "启动示例市发明专利“双倍增”计划专项行动,提高企业核心竞争力和专利质量水平"
    assert clip_title(phrase) == "启动示例市发明专利“双倍增”计划专项行动…"
    unbroken = "加大知识产权保护力度营造良好的创新环境和公平竞争的市场秩序"
    cut = clip_title(unbroken)
    assert cut.endswith("…") and len(cut) <= TITLE_CHARS + 1
    assert unbroken.startswith(cut[:-1]) and cut[:-1].endswith("公平竞争")  # not "公平竞"
    assert clip_title("短标题") == "短标题"
