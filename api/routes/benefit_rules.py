"""Admin routes for the benefit rules (admin role). Writes are validated with the schema of
``rules.yaml`` and go through ``benefits.admin``: in one transaction the rule, the notice to
the companies it newly fits (sent by the campaign workers) and a new search index version."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentAdmin, RuntimeDep, SessionDep
from benefits import admin as rules_admin
from benefits.schema import Rule, RuleSet
from benefits.store import RuleChange, active_rules
from core.errors import InvalidInput
from core.tokens import ApiToken

router = APIRouter(prefix="/api/v1/admin/rules", tags=["admin: benefit rules"])


class ChangesOut(BaseModel):
    added: list[str]
    changed: list[str]
    removed: list[str]


def _actor(token: ApiToken) -> str:
    return f"token {token.id} {token.name}".strip()


def _summary(changes: list[RuleChange]) -> ChangesOut:
    return ChangesOut(
        added=[c.slug for c in changes if c.before is None],
        changed=[c.slug for c in changes if c.before and c.after],
        removed=[c.slug for c in changes if c.after is None],
    )


@router.get("", response_model=RuleSet, response_model_exclude_unset=True)
async def list_rules(session: SessionDep, _admin: CurrentAdmin) -> RuleSet:
    return RuleSet.model_validate({"rules": [r.to_data() for r in await active_rules(session)]})


@router.put("", response_model=ChangesOut)
async def replace(body: RuleSet, runtime: RuntimeDep, admin: CurrentAdmin) -> ChangesOut:
    """Replace the whole rule set; rules left out are removed."""
    changes = await rules_admin.replace_all(
        runtime.sessions, body.rules, _actor(admin), knowledge=runtime.knowledge
    )
    return _summary(changes)


@router.put("/{rule_id}", response_model=ChangesOut)
async def put(rule_id: str, body: Rule, runtime: RuntimeDep, admin: CurrentAdmin) -> ChangesOut:
    """Add or replace one rule."""
    if body.id != rule_id:
        raise InvalidInput(f"the rule's id {body.id!r} differs from the path's", field="id")
    changes = await rules_admin.put_one(
        runtime.sessions, body, _actor(admin), knowledge=runtime.knowledge
    )
    return _summary(changes)


@router.delete("/{rule_id}", response_model=ChangesOut)
async def delete(rule_id: str, runtime: RuntimeDep, admin: CurrentAdmin) -> ChangesOut:
    changes = await rules_admin.delete_one(
        runtime.sessions, rule_id, _actor(admin), knowledge=runtime.knowledge
    )
    return _summary(changes)
