from pathlib import Path

from knowledge.chunking import MAX_CHARS, chunk_document
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


def test_markdown_headings_give_the_path() -> None:
    chunks = chunk_document("# 总则\n## 资助范围\n专利申请可获资助。")
    assert chunks[0].section == "总则 › 资助范围"
