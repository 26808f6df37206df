"""Uploading documents: searchable at once, bad files refused by name, progress for jobs,
size limits."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from knowledge import ingest_jobs
from policydesk.runtime import Runtime
from tests.web.conftest import open_web_chat

NEW_POLICY = """焦作市数据知识产权登记试点办法

一、登记范围
(一)企业依法持有的数据集合,经登记后可取得数据知识产权登记证书。

二、支持措施
(一)对首次取得数据知识产权登记证书的企业,给予每件三千元的一次性奖励。
"""
QUESTION = "数据知识产权登记证书有什么奖励?"


async def _ask(client: httpx.AsyncClient, question: str) -> dict:
    chat = await open_web_chat(client)
    return (await client.post("/api/v1/web/ask", json={"question": question}, headers=chat)).json()


async def test_uploaded_document_answers_questions_without_restart(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await _ask(client, QUESTION)
    assert not any("数据知识产权登记" in s["document"] for s in before["sources"][:1])
    files = {"file": ("data-ip.txt", NEW_POLICY.encode("utf-8"), "text/plain")}
    response = await client.post("/api/v1/admin/documents", files=files, headers=admin_headers)
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["status"] == "done" and job["result"]["added"] == ["data-ip.txt"]
    after = await _ask(client, QUESTION)
    assert after["answered"] is True
    assert after["sources"][0]["document"] == "焦作市数据知识产权登记试点办法"
    assert "三千元" in after["sources"][0]["quote"]
    listed = await client.get("/api/v1/admin/documents", headers=admin_headers)
    assert "data-ip" in [d["slug"] for d in listed.json()]


async def test_background_upload_reports_progress_until_done(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    files = {"file": ("data-ip.md", NEW_POLICY.encode("utf-8"), "text/markdown")}
    response = await client.post(
        "/api/v1/admin/documents?background=true", files=files, headers=admin_headers
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    seen: list[str] = []
    for _ in range(600):  # polls, not a time limit: the job finishes when it finishes
        job = (
            await client.get(f"/api/v1/admin/ingest-jobs/{job_id}", headers=admin_headers)
        ).json()
        seen.append(job["status"])
        if job["status"] in {"done", "failed"}:
            break
        await asyncio.sleep(0.05)
    assert seen[-1] == "done", job
    assert job["done"] == job["total"] and job["result"]["version"]


async def _job(client: httpx.AsyncClient, headers: dict[str, str], job_id: int) -> dict:
    return (await client.get(f"/api/v1/admin/ingest-jobs/{job_id}", headers=headers)).json()


async def test_shutdown_lets_a_background_upload_finish_or_marks_it_failed(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    web_runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = asyncio.Event()
    ingest = ingest_jobs.ingest_parsed

    async def held(*args: Any, **kwargs: Any) -> Any:  # the job waits for the test
        await gate.wait()
        return await ingest(*args, **kwargs)

    monkeypatch.setattr(ingest_jobs, "ingest_parsed", held)

    async def upload(name: str) -> int:
        files = {"file": (name, NEW_POLICY.encode("utf-8"), "text/plain")}
        response = await client.post(
            "/api/v1/admin/documents?background=true", files=files, headers=admin_headers
        )
        assert response.status_code == 202
        job_id: int = response.json()["id"]
        assert f"ingest-job-{job_id}" in web_runtime.background.names
        return job_id

    # A job running when the shutdown begins is waited for.
    finishing = await upload("data-ip.txt")
    stopping = asyncio.create_task(web_runtime.background.stop(grace=120))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not stopping.done()
    gate.set()
    await stopping
    assert (await _job(client, admin_headers, finishing))["status"] == "done"

    # One that cannot finish in its share of the grace time is stopped and says so.
    gate.clear()
    stopped = await upload("data-ip-2.txt")
    await web_runtime.background.stop(grace=0.2)
    for _ in range(600):  # polls until its clean-up has written the row
        job = await _job(client, admin_headers, stopped)
        if job["status"] != "queued":
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "failed" and "shutdown" in job["message"], job
    assert web_runtime.background.names == []


async def test_bad_files_are_refused_with_their_name_and_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = {
        "empty.txt": b"",
        "virus.exe": b"MZ\x90\x00",
        "broken.docx": b"not a zip archive",
        "gbk-ok-but-latin.txt": "\udcff".encode("utf-8", "surrogateescape") * 3,
    }
    for name, data in cases.items():
        response = await client.post(
            "/api/v1/admin/documents", files={"file": (name, data)}, headers=admin_headers
        )
        assert response.status_code == 422, (name, response.text)
        assert name in response.json()["detail"]


async def test_uploads_over_the_limit_get_413_with_a_message(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    big = b"a" * (22 * 1024 * 1024)
    response = await client.post(
        "/api/v1/admin/documents", files={"file": ("big.txt", big)}, headers=admin_headers
    )
    assert response.status_code == 413
    assert "MB" in response.json()["detail"]
    body = {"question": "专利" * 40_000}
    assert (await client.post("/api/v1/ask", json=body)).status_code == 413
