"""Ingesting documents and FAQ sets: every format, idempotence, replacement, refusals."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.db import write_transaction
from knowledge.ingest import ingest_bytes, ingest_parsed, ingest_paths
from knowledge.ingest_jobs import prepare_index
from knowledge.loaders import MAX_FILE_BYTES
from knowledge.models import Document, FaqEntry
from knowledge.parsing import ParsedFile, parse_file
from policydesk.runtime import Runtime

POLICY = "一、总则\n1.资助对象。本市注册的专精特新企业申请海外专利的,给予海外专利申请资助。\n"


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF with a text layer (ASCII, written by hand: no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


async def ingest(runtime: Runtime, files: list[tuple[str, bytes, dict[str, object]]]):  # type: ignore[no-untyped-def]
    async with runtime.sessions() as session:
        report = await ingest_bytes(session, runtime.knowledge, files)
        await session.commit()
    return report


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("overseas.txt", POLICY.encode()),
        ("overseas.md", ("# 海外专利资助办法\n" + POLICY).encode()),
        (
            "overseas.html",
            f"<html><body><h1>办法</h1><p>{POLICY}</p><script>x()</script></body></html>".encode(),
        ),
        ("overseas.docx", docx_bytes(POLICY)),
        ("overseas.txt", POLICY.encode("gb18030")),
    ],
)
async def test_each_document_format_becomes_answerable(
    runtime: Runtime, name: str, data: bytes
) -> None:
    report = await ingest(runtime, [(name, data, {"title": "海外专利申请资助办法"})])
    assert report.added == [name]
    assert report.errors == []
    answer = runtime.knowledge.ask("专精特新企业申请海外专利有资助吗?")
    assert answer.answered
    top = next(s for s in answer.sources if s.document == "海外专利申请资助办法")
    assert "海外专利申请资助" in top.quote


async def test_pdf_text_layer_is_read(runtime: Runtime) -> None:
    report = await ingest(
        runtime, [("notice.pdf", pdf_bytes("Overseas patent subsidy notice"), {})]
    )
    assert report.errors == []
    async with runtime.sessions() as session:
        doc = await session.scalar(select(Document).where(Document.slug == "notice"))
    assert doc is not None and "Overseas patent subsidy notice" in doc.text


async def test_reingesting_unchanged_is_a_noop_and_a_change_replaces(runtime: Runtime) -> None:
    first = await ingest(runtime, [("rules.txt", POLICY.encode(), {})])
    version = runtime.knowledge.version
    again = await ingest(runtime, [("rules.txt", POLICY.encode(), {})])
    assert again.unchanged == ["rules.txt"] and again.version is None
    assert runtime.knowledge.version == version

    changed = POLICY.replace("海外专利申请资助", "境外商标注册补助")
    report = await ingest(runtime, [("rules.txt", changed.encode(), {})])
    assert first.added == ["rules.txt"] and report.updated == ["rules.txt"]
    assert runtime.knowledge.version != version
    texts = [s.text for s in runtime.knowledge.ask("境外商标注册补助给谁?").sources]
    assert any("境外商标注册补助" in t for t in texts)
    assert not any("海外专利申请资助" in t and "专精特新" in t for t in texts)


async def test_a_prepared_index_is_taken_only_for_the_content_it_was_built_from(
    runtime: Runtime,
) -> None:
    """An upload's index is built before its write transaction (``KnowledgeBase.prepare``)
    and taken as it is when nothing else changed meanwhile; when another document went
    in between, the transaction builds again, so neither document is lost from search."""
    kb = runtime.knowledge

    def parsed(name: str, text: str) -> ParsedFile:
        return parse_file(name, text.encode(), {})

    first = parsed("overseas.txt", POLICY)
    prepared = await prepare_index(runtime.sessions, kb, first)
    assert kb.version != prepared.index.version  # built, not switched to
    async with write_transaction(runtime.sessions) as session:
        report = await ingest_parsed(session, kb, [first], prepared=prepared)
    assert report.version == prepared.index.version == kb.version

    second = parsed("trademark.txt", POLICY.replace("海外专利申请资助", "境外商标注册补助"))
    stale = await prepare_index(runtime.sessions, kb, second)
    design = POLICY.replace("海外专利申请资助", "外观设计登记奖励")
    await ingest(runtime, [("design.txt", design.encode(), {})])
    async with write_transaction(runtime.sessions) as session:
        report = await ingest_parsed(session, kb, [second], prepared=stale)
    assert report.version not in (None, stale.index.version)
    for question, clause in (
        ("境外商标注册补助给谁?", "境外商标注册补助"),
        ("外观设计登记奖励给谁?", "外观设计登记奖励"),
    ):
        assert any(clause in s.text for s in kb.ask(question).sources), question


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\n  ", "no text"),
        ("broken.docx", b"PK\x03\x04 not really a docx", "cannot read"),
        ("broken.pdf", b"%PDF-1.4 garbage", "cannot read"),
        ("binary.txt", bytes(range(128, 256)) * 3, "neither UTF-8 nor GB18030"),
        ("slides.pptx", b"whatever", "unsupported"),
        ("huge.txt", b"a" * (MAX_FILE_BYTES + 1), "larger than"),
        ("faq.yaml", b"entries: [unclosed", "invalid YAML"),
        ("faq.csv", "question,answer\n只有问题,\n".encode(), "needs both"),
    ],
)
async def test_bad_files_are_refused_by_name_and_nothing_is_lost(
    runtime: Runtime, name: str, data: bytes, problem: str
) -> None:
    version = runtime.knowledge.version
    before = runtime.knowledge.ask("知识产权质押融资怎么开展?")
    report = await ingest(runtime, [(name, data, {})])
    assert len(report.errors) == 1
    assert name in report.errors[0] and problem in report.errors[0]
    assert runtime.knowledge.version == version
    after = runtime.knowledge.ask("知识产权质押融资怎么开展?")
    assert after.sources[0].quote == before.sources[0].quote


async def test_one_bad_file_does_not_stop_the_good_ones(runtime: Runtime, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "good.txt").write_text(POLICY, "utf-8")
    (folder / "bad.docx").write_bytes(b"nope")
    (folder / "good.meta.yaml").write_text(
        "title: 海外专利申请资助办法\nvalid_until: 2099-12-31\n", "utf-8"
    )
    async with runtime.sessions() as session:
        report = await ingest_paths(session, runtime.knowledge, [folder, folder / "missing.txt"])
        await session.commit()
    assert report.added == ["good.txt"]
    assert len(report.errors) == 2
    assert any("bad.docx" in e for e in report.errors)
    assert any("missing.txt" in e for e in report.errors)


async def test_faq_sets_from_csv_and_xlsx_are_searchable(runtime: Runtime) -> None:
    csv_data = (
        "id,question,answer,paraphrases\n"
        "faq-parking,办事大厅能停车吗,大厅东侧有停车场。,车停哪里|有没有停车位\n"
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "question", "answer", "paraphrases"])
    sheet.append(["faq-hours", "窗口几点上班", "工作日九点至五点。", "办事时间|几点开门"])
    out = io.BytesIO()
    book.save(out)
    report = await ingest(
        runtime, [("extra.csv", csv_data.encode(), {}), ("hours.xlsx", out.getvalue(), {})]
    )
    assert report.errors == []
    async with runtime.sessions() as session:
        # Uploaded FAQ sets are the office's own: a change of pack leaves them.
        officer = select(FaqEntry.slug).where(FaqEntry.origin == "officer")
        assert {"faq-parking", "faq-hours"} <= set(await session.scalars(officer))
        assert await session.scalar(select(func.count()).select_from(FaqEntry)) > 60
    answer = runtime.knowledge.ask("车停在哪里?")
    assert answer.sources[0].text == "大厅东侧有停车场。"


async def test_expired_documents_are_left_out_unless_asked_for(runtime: Runtime) -> None:
    text = "一、说明\n1.旧政策。对参加2010年专利周活动的企业给予一次性专利周参展补贴。\n"
    await ingest(
        runtime, [("old.txt", text.encode(), {"title": "旧通知", "valid_until": "2012-12-31"})]
    )
    current = runtime.knowledge.ask("专利周参展补贴")
    assert all(s.document != "旧通知" for s in current.sources)
    with_expired = runtime.knowledge.ask("专利周参展补贴", include_expired=True)
    assert any(s.document == "旧通知" for s in with_expired.sources)


IN_FORCE = date(2026, 6, 1)  # the office 办法 below applies 2025-03-01 to 2027-12-31


def office_docx() -> bytes:
    """An office 办法 as offices write them: a Title, chapters as Heading 1, articles as
    plain paragraphs starting "第三条　" (ideographic space), items as paragraphs."""
    document = docx.Document()
    document.add_paragraph("示例市专利资助办法", style="Title")
    document.add_paragraph("示市监〔2025〕3号")
    document.add_heading("第一章　总则", level=1)
    document.add_paragraph("第一条　为鼓励发明创造，制定本办法。")
    document.add_heading("第二章　资助标准", level=1)
    document.add_paragraph("第二条　对获得授权的国内发明专利，每件资助5000元。")
    document.add_paragraph("第一专利权人为个人的，每件资助2000元。")
    document.add_paragraph("第三条　有下列情形之一的，不予资助：")
    document.add_paragraph("（一）弄虚作假的；")
    document.add_paragraph("（二）重复申报的。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "类别", "标准"
    table.cell(1, 0).text, table.cell(1, 1).text = "实用新型", "每件500元"
    document.add_heading("第三章　附则", level=1)
    document.add_paragraph(
        "第四条　本办法自2025年3月1日起施行，有效期至2027年12月31日。"
        "《示例市专利申请资助暂行办法》同时废止。"
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_office_docx_keeps_its_title_chapters_articles_and_dates() -> None:
    from knowledge.chunking import chunk_document
    from knowledge.loaders import read_document

    doc = read_document("measures.docx", office_docx())
    assert doc.title == "示例市专利资助办法"
    assert (str(doc.valid_from), str(doc.valid_until)) == ("2025-03-01", "2027-12-31")
    chunks = {c.section: c for c in chunk_document(doc.text)}
    assert "每件资助2000元" in chunks["第二条"].text, "a paragraph (款) stays in its article"
    assert "（二）重复申报的。" in chunks["第三条"].text
    assert "实用新型 | 每件500元" in doc.text, "tables are read, in place"
    assert chunks["第二条"].headings[0].display == "第二章 资助标准"


def test_markdown_comments_are_not_text() -> None:
    from knowledge.loaders import read_document

    doc = read_document("law.md", "# 某条例\n\n<!-- INFO END -->\n\n第一条 正文。".encode())
    assert "INFO END" not in doc.text and doc.title == "某条例"


async def test_a_repealed_document_is_left_out_unless_asked_for(runtime: Runtime) -> None:
    old = "示例市专利申请资助暂行办法\n第一条　发明专利每件资助3000元。"
    await ingest(runtime, [("old.txt", old.encode(), {}), ("new.docx", office_docx(), {})])
    answer = runtime.knowledge.ask("示例市发明专利资助多少钱？", today=IN_FORCE)
    assert "5000元" in answer.answer and "3000元" not in answer.answer
    documents = {s.document for s in answer.sources}
    assert "示例市专利申请资助暂行办法" not in documents
    history = runtime.knowledge.ask(
        "示例市发明专利资助多少钱？", include_expired=True, today=IN_FORCE
    )
    assert "示例市专利申请资助暂行办法" in {s.document for s in history.sources}


async def test_an_office_measure_beside_the_pack_answers_its_amounts(runtime: Runtime) -> None:
    """The plan's FAQ says the plan sets no amounts; the office's 办法 does: it answers."""
    await ingest(runtime, [("measures.docx", office_docx(), {})])
    answer = runtime.knowledge.ask("发明专利授权后资助多少钱？", today=IN_FORCE)
    assert answer.answered and "5000元" in answer.answer, answer.answer
    assert "未规定" not in answer.answer
    assert answer.sources[0].citation == "《示例市专利资助办法》第二条"


def test_running_out_of_memory_is_reported_as_memory_not_as_a_corrupt_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from knowledge import loaders, parsing

    def exhausted(data: bytes) -> str:
        raise MemoryError("Unable to allocate output buffer.")

    monkeypatch.setattr(loaders, "_docx_text", exhausted)
    monkeypatch.setattr(loaders, "check_archive", lambda name, data: None)
    with pytest.raises(MemoryError):
        loaders.read_document("重.docx", b"PK")
    with pytest.raises(loaders.IngestError, match="超出内存限制"):
        parsing._parse_in_worker("重.docx", b"PK", None)
