"""Uploading documents: searchable at once, bad files refused by name, progress for jobs,
size limits."""

from __future__ import annotations

import asyncio

import httpx

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
