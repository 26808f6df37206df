"""The benefit rules page of the admin UI: admins only, YAML edits validated like the API,
every write through ``benefits.admin``."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from benefits import admin as rules_admin
from benefits.models import BenefitRule
from policydesk.runtime import Runtime
from tests.web.conftest import csrf_of, login_as

RULE = "funding-patent-application"
QUOTE = "落实专利资助政策,重点向技术含量高的发明专利、职务专利倾斜"


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, str]]:
    """Every call the UI makes to ``benefits.admin``, passed on to the real functions."""
    calls: list[tuple[str, Any, str]] = []

    def spy(name: str) -> Callable[..., Awaitable[Any]]:
        real = getattr(rules_admin, name)

        async def record(sessions: Any, what: Any, actor: str, **options: Any) -> Any:
            calls.append((name, what, actor))
            return await real(sessions, what, actor, **options)

        return record

    for name in ("put_one", "delete_one", "replace_all"):
        monkeypatch.setattr(rules_admin, name, spy(name))
    return calls


async def _stored(runtime: Runtime, slug: str) -> BenefitRule | None:
    async with runtime.sessions() as session:
        row: BenefitRule | None = await session.scalar(
            select(BenefitRule).where(BenefitRule.slug == slug)
        )
        return row


def _yaml(page: str) -> str:
    match = re.search(r'<textarea[^>]*name="rule"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the page has no rule editor"
    return html.unescape(match.group(1))


async def test_anonymous_and_officers_cannot_reach_the_rules(
    client: httpx.AsyncClient, web_runtime: Runtime, writes: list[tuple[str, Any, str]]
) -> None:
    for path in ("/admin/rules", f"/admin/rules/view/{RULE}", "/admin/rules/new"):
        anonymous = await client.get(path)
        assert anonymous.status_code == 302 and anonymous.headers["location"].endswith(
            "/admin/login"
        )
    await login_as(client, web_runtime, "officer")
    home = await client.get("/admin/")
    assert "/admin/rules" not in home.text  # not in the officer's menu
    token = csrf_of(home.text)
    for path in ("/admin/rules", f"/admin/rules/view/{RULE}", "/admin/rules/new"):
        assert (await client.get(path)).status_code == 403, path
    edit = await client.post(
        f"/admin/rules/view/{RULE}", data={"rule": "x: 1", "csrf_token": token}
    )
    delete = await client.post(f"/admin/rules/view/{RULE}/delete", data={"csrf_token": token})
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert writes == []
    row = await _stored(web_runtime, RULE)
    assert row is not None and row.active and row.origin == "pack"


async def test_admin_lists_rules_and_reads_one_with_its_clause(
    client: httpx.AsyncClient, web_runtime: Runtime
) -> None:
    await login_as(client, web_runtime, "admin")
    assert "/admin/rules" in (await client.get("/admin/")).text
    listed = await client.get("/admin/rules")
    assert listed.status_code == 200
    row = listed.text[listed.text.index(f'data-rule="{RULE}"') :].split("</tr>")[0]
    assert "专利申请资助" in row
    assert "焦作" in row and "›" in row  # document title › section
    assert "专利申请" in row and "patent_applications" not in row  # the condition, in words
    assert len(re.findall(r'<tr data-rule="', listed.text)) == 15

    one = await client.get(f"/admin/rules/view/{RULE}")
    assert one.status_code == 200
    assert QUOTE in one.text
    assert yaml.safe_load(_yaml(one.text))["id"] == RULE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text + "\n  - [", "YAML"),
        (lambda text: text.replace("fact: patent_applications", "fact: weather"), "fact"),
        (lambda text: text.replace("at_least: 1", "at_least: -1"), "at_least"),
        (lambda text: text.replace(f"id: {RULE}", "id: another-rule"), "id"),
        (lambda text: text.replace("职务专利倾斜", "职务专利倾斜并奖励十万元"), "quote"),
        (lambda text: "- just a list", "rule"),
    ],
)
async def test_invalid_edits_show_the_problem_and_save_nothing(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    writes: list[tuple[str, Any, str]],
    change: Callable[[str], str],
    message: str,
) -> None:
    await login_as(client, web_runtime, "admin")
    page = await client.get(f"/admin/rules/view/{RULE}")
    before = await _stored(web_runtime, RULE)
    assert before is not None
    edited = change(_yaml(page.text))
    response = await client.post(
        f"/admin/rules/view/{RULE}", data={"rule": edited, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 422
    errors = response.text[response.text.index('id="rule-errors"') :].split("</div>")[0]
    assert message in errors
    assert "<textarea" in response.text and _yaml(response.text) == edited  # kept for fixing
    after = await _stored(web_runtime, RULE)
    assert after is not None and after.data == before.data and after.origin == "pack"
    assert all(name != "delete_one" for name, _, _ in writes)


async def test_writes_need_the_csrf_token(
    client: httpx.AsyncClient, web_runtime: Runtime, writes: list[tuple[str, Any, str]]
) -> None:
    await login_as(client, web_runtime, "admin")
    page = await client.get(f"/admin/rules/view/{RULE}")
    text = _yaml(page.text).replace("专利申请资助", "专利申请资助(新)")
    refused = await client.post(f"/admin/rules/view/{RULE}", data={"rule": text})
    gone = await client.post(f"/admin/rules/view/{RULE}/delete")
    assert (refused.status_code, gone.status_code) == (403, 403)
    assert writes == []
    row = await _stored(web_runtime, RULE)
    assert row is not None and row.active and row.data["title"] == "专利申请资助"


async def test_edit_add_and_delete_go_through_benefits_admin(
    client: httpx.AsyncClient,
    web_runtime: Runtime,
    writes: list[tuple[str, Any, str]],
    admin_headers: dict[str, str],
) -> None:
    name = await login_as(client, web_runtime, "admin")
    page = await client.get(f"/admin/rules/view/{RULE}")
    token = csrf_of(page.text)
    edited = (
        _yaml(page.text)
        .replace("专利申请资助", "专利申请资助(2027)")
        .replace("资助重点向", "资助重点(2027年起)向")
    )
    saved = await client.post(
        f"/admin/rules/view/{RULE}", data={"rule": edited, "csrf_token": token}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"/{RULE}?saved=1")
    [(call, rule, actor)] = writes
    assert (call, rule.id, rule.title, actor) == (
        "put_one",
        RULE,
        "专利申请资助(2027)",
        f"officer {name}",
    )
    row = await _stored(web_runtime, RULE)
    assert row is not None and row.data["title"] == "专利申请资助(2027)"
    assert (row.origin, row.updated_by) == ("admin", f"officer {name}")
    api = (await client.get("/api/v1/admin/rules", headers=admin_headers)).json()
    assert any(r["title"] == "专利申请资助(2027)" for r in api["rules"])
    # Re-indexed with the write: the next question already finds the new wording.
    answer = (await client.post("/api/v1/ask", json={"question": "专利申请资助(2027)"})).json()
    assert any(s["kind"] == "rule" and "(2027年起)" in s["text"] for s in answer["sources"])

    new = yaml.safe_load(edited) | {"id": "funding-patent-copy", "title": "复制的规则"}
    added = await client.post(
        "/admin/rules/new",
        data={"rule": yaml.safe_dump(new, allow_unicode=True), "csrf_token": token},
    )
    assert added.status_code == 303, added.text
    again = await client.post(
        "/admin/rules/new",
        data={"rule": yaml.safe_dump(new, allow_unicode=True), "csrf_token": token},
    )
    assert again.status_code == 422 and "已存在" in again.text  # add never overwrites
    assert "复制的规则" in (await client.get("/admin/rules")).text

    deleted = await client.post(
        "/admin/rules/view/funding-patent-copy/delete", data={"csrf_token": token}
    )
    assert deleted.status_code == 303
    assert [c[0] for c in writes] == ["put_one", "put_one", "delete_one"]
    assert writes[2][1:] == ("funding-patent-copy", f"officer {name}")
    gone = await _stored(web_runtime, "funding-patent-copy")
    assert gone is not None and not gone.active
    assert "复制的规则" not in (await client.get("/admin/rules")).text
    assert (await client.get("/admin/rules/view/funding-patent-copy")).status_code == 404
