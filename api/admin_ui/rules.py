"""The benefit rules in the admin UI (admin role): list, read one with its clause, edit it
as YAML, add, delete.

Edits are validated with the rule schema of the API and ``rules.yaml``; every write goes
through ``benefits.admin``, which also tells the companies a rule now fits and refreshes
what the assistant knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError
from sqladmin import expose
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.admin_ui.auth import session_actor
from api.admin_ui.pages import RolePage, not_found, runtime_of
from benefits import admin as rules_admin
from benefits.citations import load_documents
from benefits.loading import RulesError
from benefits.models import BenefitRule
from benefits.reasons import condition_text
from benefits.schema import Rule
from core.errors import DomainError, NotFound
from core.tokens import Role

MAX_YAML_CHARS = 20_000
NEW_RULE_YAML = """\
id: new-rule
title: 规则名称
benefit: 可享受的政策
conditions:
  - fact: above_designated_size
    equals: true
any_of: []
next_step: 下一步怎么做
document: 文件标识
quote: 文件中的原文
"""


@dataclass
class RuleRow:
    """A stored rule with where its clause sits and who changed it last."""

    rule: Rule
    document: str
    section: str
    conditions: str
    origin: str
    updated_by: str | None
    updated_at: datetime


def conditions_summary(rule: Rule) -> str:
    """The conditions in plain Chinese: all of ``conditions``, and one of ``any_of``."""
    parts = [condition_text(c, "zh") for c in rule.conditions]
    if rule.any_of:
        parts.append("（" + " 或 ".join(condition_text(c, "zh") for c in rule.any_of) + "）")
    return "；".join(parts)


async def _rows(session: AsyncSession, slug: str | None = None) -> list[RuleRow]:
    query = select(BenefitRule).where(BenefitRule.active.is_(True))
    if slug is not None:
        query = query.where(BenefitRule.slug == slug)
    stored = list(await session.scalars(query.order_by(BenefitRule.position, BenefitRule.id)))
    rules = [Rule.model_validate(row.data) for row in stored]
    documents = await load_documents(session, (r.document for r in rules))
    out = []
    for row, rule in zip(stored, rules, strict=True):
        source = documents.get(rule.document)
        out.append(
            RuleRow(
                rule=rule,
                document=source.title if source else rule.document,
                section=source.section_of(rule.quote) if source else "",
                conditions=conditions_summary(rule),
                origin=row.origin,
                updated_by=row.updated_by,
                updated_at=row.updated_at,
            )
        )
    return out


def rule_yaml(rule: Rule) -> str:
    dumped: str = yaml.safe_dump(rule.to_data(), allow_unicode=True, sort_keys=False, width=100)
    return dumped


def parse_rule(text: str) -> tuple[Rule | None, list[str]]:
    """The rule in ``text`` (YAML of one rule, as in ``rules.yaml``), or what is wrong."""
    if len(text) > MAX_YAML_CHARS:
        return None, [f"内容过长 (more than {MAX_YAML_CHARS} characters)"]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行 (line {mark.line + 1}): " if mark is not None else ""
        return None, [f"{where}YAML 格式错误 (not valid YAML): {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, dict):
        return None, ["需要一条规则的字段 (expected the fields of one rule: id, title, ...)"]
    try:
        return Rule.model_validate(data), []
    except ValidationError as exc:
        # The YAML path of the field (as the officer typed it) and the problem, without
        # pydantic's "Value error, " in front of it.
        return None, [
            f"{'.'.join(str(part) for part in error['loc']) or 'rule'}: "
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        ]


def problems_of(exc: DomainError) -> list[str]:
    if isinstance(exc, RulesError):
        return [exc.describe(p) for p in exc.problems]
    return [exc.message]


class RulesPage(RolePage):
    required = Role.ADMIN
    name, icon = "优惠规则", "fa-solid fa-scale-balanced"

    @expose("/rules", methods=["GET"], identity="rules")
    async def rules(self, request: Request) -> Response:
        async with runtime_of(request).sessions() as session:
            rows = await _rows(session)
        context = {"rows": rows, "deleted": request.query_params.get("deleted")}
        return await self.templates.TemplateResponse(request, "policydesk/rules.html", context)

    @expose("/rules/new", methods=["GET", "POST"], identity="rules-new")
    async def new_rule(self, request: Request) -> Response:
        text, errors = NEW_RULE_YAML, list[str]()
        if request.method == "POST":
            text = await _yaml_field(request)
            rule, errors = parse_rule(text)
            if rule is not None:
                async with runtime_of(request).sessions() as session:
                    taken = await _rows(session, rule.id)
                if taken:
                    errors = [f"id: 规则 {rule.id} 已存在，请编辑它 (already exists; edit it)"]
                else:
                    errors = await _save(request, rule)
                if not errors:
                    return _to_rule(request, rule.id, "saved")
        return await self._editor(request, None, text, errors)

    @expose("/rules/view/{slug}", methods=["GET", "POST"], identity="rules")
    async def rule(self, request: Request) -> Response:
        slug = str(request.path_params["slug"])
        async with runtime_of(request).sessions() as session:
            found = await _rows(session, slug)
        if not found:
            return not_found(f"no rule {slug!r}")
        [row] = found
        text, errors = rule_yaml(row.rule), list[str]()
        if request.method == "POST":
            text = await _yaml_field(request)
            rule, errors = parse_rule(text)
            if rule is not None and rule.id != slug:
                errors = [f"id: 规则标识不能修改 (the id {rule.id!r} differs from {slug!r})"]
            elif rule is not None:
                errors = await _save(request, rule)
            if not errors:
                return _to_rule(request, slug, "saved")
        return await self._editor(request, row, text, errors)

    @expose("/rules/view/{slug}/delete", methods=["POST"], identity="rules")
    async def delete(self, request: Request) -> Response:
        slug = str(request.path_params["slug"])
        try:
            runtime = runtime_of(request)
            await rules_admin.delete_one(
                runtime.sessions, slug, session_actor(request), knowledge=runtime.knowledge
            )
        except NotFound as exc:
            return not_found(exc.message)
        return RedirectResponse(_list_url(request) + f"?deleted={slug}", status_code=303)

    async def _editor(
        self, request: Request, row: RuleRow | None, text: str, errors: list[str]
    ) -> Response:
        context: dict[str, Any] = {
            "row": row,
            "text": text,
            "errors": errors,
            "saved": request.query_params.get("saved"),
        }
        return await self.templates.TemplateResponse(
            request,
            "policydesk/rule.html",
            context,
            status_code=422 if errors else 200,
        )


async def _yaml_field(request: Request) -> str:
    async with request.form() as form:
        return str(form.get("rule") or "")


async def _save(request: Request, rule: Rule) -> list[str]:
    """Write through ``benefits.admin``; the problems when the references do not hold."""
    try:
        # Re-indexed here, as the API does: the officer's next question already sees it.
        runtime = runtime_of(request)
        await rules_admin.put_one(
            runtime.sessions, rule, session_actor(request), knowledge=runtime.knowledge
        )
    except DomainError as exc:
        return problems_of(exc)
    return []


def _list_url(request: Request) -> str:
    return str(request.url_for("admin:view-rules"))


def _to_rule(request: Request, slug: str, flag: str) -> Response:
    return RedirectResponse(f"{_list_url(request)}/view/{slug}?{flag}=1", status_code=303)
