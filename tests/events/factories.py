"""Factories for event tests: valid credit codes, registration forms, events."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from core.db import utcnow
from events.schemas import CompanyIn, ContactIn, EventIn, FinancingNeedIn, RegistrationIn
from events.validators import CREDIT_CHARSET, credit_check_char, org_code_check_char

ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(rng: random.Random) -> str:
    """A random code that passes both check characters (registered with 工商, Jiaozuo)."""
    body = "".join(rng.choice(ORG_BODY_CHARS) for _ in range(8))
    org = body + org_code_check_char(body)
    if org[-1] not in CREDIT_CHARSET:  # pragma: no cover - 'X' and digits are all allowed
        raise AssertionError(org)
    first17 = "91410800" + org
    return first17 + credit_check_char(first17)


def registration_form(
    n: int, *, seats: int = 1, need: FinancingNeedIn | None = None, county: str = "解放区"
) -> RegistrationIn:
    code = make_credit_code(random.Random(n))
    return RegistrationIn(
        company=CompanyIn(name=f"焦作测试企业{n}有限公司", credit_code=code, county=county),
        contact=ContactIn(name=f"联系人{n}", phone=f"138{n:08d}"),
        seats=seats,
        financing_need=need,
    )


def event_in(
    *,
    capacity: int = 10,
    starts_in: timedelta = timedelta(days=7),
    deadline_in: timedelta | None = None,
    kind: str = "training",
    status: str = "published",
    now: datetime | None = None,
) -> EventIn:
    now = now or utcnow()
    return EventIn.model_validate(
        {
            "kind": kind,
            "title": "专利信息检索培训",
            "description": "面向企业知识产权专员",
            "place": "焦作市知识产权局三楼会议室",
            "starts_at": now + starts_in,
            "registration_deadline": None if deadline_in is None else now + deadline_in,
            "capacity": capacity,
            "status": status,
        }
    )
