"""Uploads that would take the server down: zip bombs, files that need too much memory or
time to read, long documents. Each is refused with a message naming the file, or sent to a
background job, and the server goes on answering."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import zipfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from api.app import create_app
from bench.upload_stall import zip_bomb
from core.errors import IngestError
from knowledge import loaders
from knowledge.index.store import write_index
from policydesk.runtime import Runtime
from tests.clients import client_for
from tests.knowledge.test_ingest import docx_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT_XML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body>"
)


def _docx_with_body(body: bytes) -> bytes:
    """A .docx whose word/document.xml is the real one of a small file with ``body``
    appended inside <w:body>: small compressed, as big as ``body`` unpacked."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes("第一条 本办法所称资助。"))) as real:
        parts = {name: real.read(name) for name in real.namelist()}
    xml = parts["word/document.xml"]
    at = xml.index(b"<w:body>") + len(b"<w:body>")
    parts["word/document.xml"] = xml[:at] + body + xml[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


async def _upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    data: bytes,
    kind: str = DOCX,
    query: str = "",
) -> httpx.Response:
    files = {"file": (name, data, kind)}
    return await client.post(f"/api/v1/admin/documents{query}", files=files, headers=headers)


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    bomb = zip_bomb(loaders.MAX_UNPACKED_BYTES // (1024 * 1024) + 1)
    assert len(bomb) < 1024 * 1024  # a small file...
    response = await _upload(client, admin_headers, "通知.docx", bomb)
    assert response.status_code == 422
    assert "通知.docx" in response.text and "解压后超过" in response.text
    spreadsheet = await _upload(client, admin_headers, "问答.xlsx", bomb, XLSX)
    assert spreadsheet.status_code == 422 and "解压后超过" in spreadsheet.text
    assert (await client.get("/healthz")).status_code == 200


def test_archives_with_too_many_parts_or_no_zip_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(loaders.MAX_ARCHIVE_ENTRIES + 1):
            archive.writestr(f"p/{number}", b"")
    with pytest.raises(IngestError, match="more than the 5,000 allowed"):
        loaders.read_document("多.docx", out.getvalue())
    with pytest.raises(IngestError, match=r"cannot read this \.docx file"):
        loaders.read_document("坏.docx", b"PK\x03\x04 not really a zip")


def test_a_pdf_with_too_many_pages_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.knowledge.test_ingest import pdf_bytes

    monkeypatch.setattr(loaders, "MAX_PDF_PAGES", 0)
    with pytest.raises(IngestError, match="more than the 0 allowed: split it"):
        loaders.read_document("年鉴.pdf", pdf_bytes("Patent subsidy rules"))


@pytest.fixture
async def tight_client(web_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app with uploads read by a worker limited to 256 MB, and long-text uploads
    (over 200 characters) sent to the background."""
    settings = web_runtime.settings.model_copy(
        update={"parser_memory_mb": 256, "inline_upload_chars": 200}
    )
    reader = web_runtime.knowledge.reader
    old = reader.memory_bytes
    reader.memory_bytes = settings.parser_memory_mb * 1024 * 1024
    web_runtime.knowledge.settings = settings
    app = create_app(runtime=web_runtime)
    try:
        async with app.router.lifespan_context(app), client_for(app) as client:
            yield client
    finally:
        reader.close()
        reader.memory_bytes = old


async def test_a_file_that_needs_too_much_memory_is_refused_and_the_worker_replaced(
    tight_client: httpx.AsyncClient, web_runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    # 90 MB of paragraphs: under the unpacked-size limit, far over 256 MB once parsed.
    paragraph = "<w:p><w:r><w:t>第三条 资助标准。</w:t></w:r></w:p>".encode()
    heavy = _docx_with_body(paragraph * (90 * 1024 * 1024 // len(paragraph)))
    response = await _upload(tight_client, admin_headers, "重.docx", heavy)
    assert response.status_code == 422, response.text
    assert "重.docx" in response.text and "内存" in response.text, response.text
    assert (await tight_client.get("/healthz")).status_code == 200
    # The next upload is read by a worker process, not by the server itself.
    small = docx_bytes("焦作市测试资助办法\n第一条 发明专利每件资助五千元。")
    ok = await _upload(tight_client, admin_headers, "资助办法.docx", small)
    assert ok.status_code == 201, ok.text
    workers = web_runtime.knowledge.reader.pids()
    assert workers and os.getpid() not in workers


async def test_a_long_document_goes_to_a_background_job_by_itself(
    tight_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    short = "焦作市短办法\n\n第一条 本办法自发布之日起施行。".encode()
    inline = await _upload(tight_client, admin_headers, "short.txt", short, "text/plain")
    assert inline.status_code == 201 and inline.json()["status"] == "done"
    long = ("焦作市长办法\n\n" + "第一条 企业申请专利资助,应当提交申请表。\n" * 20).encode()
    queued = await _upload(tight_client, admin_headers, "long.txt", long, "text/plain")
    assert queued.status_code == 202, queued.text
    forced = await _upload(
        tight_client, admin_headers, "long2.txt", long, "text/plain", "?background=false"
    )
    assert forced.status_code == 201


async def test_reading_that_takes_too_long_is_stopped(
    client: httpx.AsyncClient, web_runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    reader = web_runtime.knowledge.reader
    reader.close()
    reader.timeout = 0.001  # not even the worker's start fits in it
    try:
        response = await _upload(client, admin_headers, "慢.docx", docx_bytes("第一条 慢。"))
    finally:
        reader.timeout = web_runtime.settings.parser_timeout_seconds
    assert response.status_code == 422 and "读取超时" in response.text
    assert reader.pids() == []  # the stuck worker was stopped
    again = await _upload(client, admin_headers, "快.docx", docx_bytes("第一条 快。"))
    assert again.status_code == 201, again.text


class GatedEmbedder:
    """The runtime's embedder, except that embedding a passage with ``GATE`` in it waits
    until the test opens the gate (it runs in a thread of the ingest)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.reached, self.gate = threading.Event(), threading.Event()

    def embed_queries(self, texts: Sequence[str]) -> Any:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Any:
        if any(GATE in text for text in texts):
            self.reached.set()
            assert self.gate.wait(120), "the test never opened the gate"
        return self.inner.embed_passages(texts)


GATE = "闸门条款"


async def test_other_writers_go_on_while_an_upload_is_embedded(
    client: httpx.AsyncClient, web_runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    kb = web_runtime.knowledge
    gated = GatedEmbedder(kb.embedder)
    kb.embedder = gated
    text = f"焦作市闸门办法\n\n第一条 {GATE}:企业取得发明专利授权的,每件资助五千元。".encode()
    response = await _upload(
        client, admin_headers, "gate.txt", text, "text/plain", "?background=true"
    )
    assert response.status_code == 202
    try:
        assert await asyncio.to_thread(gated.reached.wait, 120)
        # The job is embedding: no write transaction of its own is open, so another
        # writer (here a web chat opening its session) goes through at once.
        chat = await client.post("/api/v1/web/chats", json={"locale": "zh"})
        assert chat.status_code == 201, chat.text
    finally:
        gated.gate.set()
    job_id = response.json()["id"]
    for _ in range(600):  # polls, not a time limit
        job = (
            await client.get(f"/api/v1/admin/ingest-jobs/{job_id}", headers=admin_headers)
        ).json()
        if job["status"] != "running" and job["status"] != "queued":
            break
        await asyncio.sleep(0.1)
    assert job["status"] == "done", job


async def test_other_writers_go_on_while_an_uploads_index_is_written(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The new index version (BM25, vectors, files on disk) is built before the upload's
    write transaction: while it is being written, another writer goes through at once,
    and the upload then lands with that version recorded and searchable."""
    reached, gate = threading.Event(), threading.Event()

    def gated_write_index(*args: Any) -> None:
        reached.set()
        assert gate.wait(120), "the test never opened the gate"
        write_index(*args)

    monkeypatch.setattr("knowledge.service.write_index", gated_write_index)
    text = f"焦作市闸门办法\n\n第一条 {GATE}:企业取得发明专利授权的,每件资助五千元。".encode()
    upload = asyncio.create_task(
        _upload(client, admin_headers, "gate.txt", text, "text/plain", "?background=false")
    )
    try:
        assert await asyncio.to_thread(reached.wait, 120)
        chat = await client.post("/api/v1/web/chats", json={"locale": "zh"})
        assert chat.status_code == 201, chat.text
    finally:
        gate.set()
    response = await upload
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "done"
    version = web_runtime.knowledge.version
    assert version == response.json()["result"]["version"]
    answer = await client.post("/api/v1/ask", json={"question": "发明专利授权每件资助多少?"})
    assert any(GATE in source["text"] for source in answer.json()["sources"]), answer.json()


async def test_the_server_goes_on_while_a_question_is_being_answered(
    client: httpx.AsyncClient, web_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering (the query embedding, the search) runs off the event loop: while one
    question waits for the model (say, behind an index build's batch), other requests
    are served."""
    kb = web_runtime.knowledge
    reached, gate = threading.Event(), threading.Event()
    answer = kb.answer

    def gated_answer(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        assert gate.wait(120), "the test never opened the gate"
        return answer(*args, **kwargs)

    monkeypatch.setattr(kb, "answer", gated_answer)
    asking = asyncio.create_task(client.post("/api/v1/ask", json={"question": "专利资助标准"}))
    try:
        assert await asyncio.to_thread(reached.wait, 120)
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert not asking.done()
    finally:
        gate.set()
    response = await asking
    assert response.status_code == 200 and response.json()["sources"]
