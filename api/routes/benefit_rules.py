"""Admin routes for the benefit rules (admin role). Writes are validated with the schema of
``rules.yaml``; companies a new or changed rule now fits are told in the background."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentAdmin, RuntimeDep, SessionDep, WriteSessionDep
from benefits.notify import notify_rule_changes
from benefits.schema import Rule, RuleSet
from benefits.store import RuleChange, active_rules, delete_rule, put_rule, replace_rules
from core.errors import InvalidInput
from core.tokens import ApiToken
from policydesk.runtime import Runtime

router = APIRouter(prefix="/api/v1/admin/rules", tags=["admin: benefit rules"])


class ChangesOut(BaseModel):
    added: list[str]
    changed: list[str]
    removed: list[str]


def _actor(token: ApiToken) -> str:
    return f"token {token.id} {token.name}".strip()


async def _after_write(
    session: AsyncSession,
    runtime: Runtime,
    background: BackgroundTasks,
    changes: list[RuleChange],
) -> ChangesOut:
    # Commit before the response: the notification task runs after it, in its own
    # sessions, and must neither wait for this transaction's lock nor miss its rows.
    await session.commit()
    if any(c.after for c in changes):
        background.add_task(notify_rule_changes, runtime.sessions, runtime.notifier, changes)
    return ChangesOut(
        added=[c.slug for c in changes if c.before is None],
        changed=[c.slug for c in changes if c.before and c.after],
        removed=[c.slug for c in changes if c.after is None],
    )


@router.get("", response_model=RuleSet, response_model_exclude_unset=True)
async def list_rules(session: SessionDep, _admin: CurrentAdmin) -> RuleSet:
    return RuleSet.model_validate({"rules": [r.to_data() for r in await active_rules(session)]})


@router.put("", response_model=ChangesOut)
async def replace(
    body: RuleSet,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    background: BackgroundTasks,
) -> ChangesOut:
    """Replace the whole rule set; rules left out are removed."""
    changes = await replace_rules(session, body.rules, _actor(admin))
    return await _after_write(session, runtime, background, changes)


@router.put("/{rule_id}", response_model=ChangesOut)
async def put(
    rule_id: str,
    body: Rule,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    background: BackgroundTasks,
) -> ChangesOut:
    """Add or replace one rule."""
    if body.id != rule_id:
        raise InvalidInput(f"the rule's id {body.id!r} differs from the path's", field="id")
    change = await put_rule(session, body, _actor(admin))
    return await _after_write(session, runtime, background, [change] if change else [])


@router.delete("/{rule_id}", response_model=ChangesOut)
async def delete(
    rule_id: str,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    background: BackgroundTasks,
) -> ChangesOut:
    change = await delete_rule(session, rule_id, _actor(admin))
    return await _after_write(session, runtime, background, [change])
