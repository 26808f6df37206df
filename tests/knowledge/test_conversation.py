"""Follow-up questions are read with the same chat's earlier question, for half an hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import utcnow
from knowledge.conversation import is_follow_up
from knowledge.ingest import ingest_bytes
from knowledge.models import AnswerLog
from knowledge.questions import ask_and_record
from policydesk.runtime import Runtime

MEASURES = """示例市专利资助办法
第一条　为鼓励发明创造，制定本办法。
第二条　对获得授权的国内发明专利，每件资助5000元。
第三条　对获得授权的实用新型专利，每件资助800元。
第四条　对获得授权的外观设计专利，每件资助300元。
第五条　申请资助应当提交申请表、专利证书复印件和营业执照复印件。
"""


DESIGN = "根据《示例市专利资助办法》第四条"


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("那外观设计呢？", True),
        ("实用新型呢", True),
        ("要什么材料？", True),
        ("那奖励多少钱？", True),
        ("发明专利授权后资助多少钱？", False),
        ("企业拿专利去银行做质押贷款，政府有没有贴息补助，最多能补多少年？", False),
        ("？？", False),
    ],
)
def test_what_reads_as_a_follow_up(question: str, follows: bool) -> None:
    assert is_follow_up(question) is follows


async def _ask(runtime: Runtime, question: str, key: str) -> str:
    async with runtime.sessions() as session:
        answer, _ = await ask_and_record(session, runtime.knowledge, question, user_key=key)
        await session.commit()
    return answer.answer


async def test_a_follow_up_is_answered_in_the_context_of_the_earlier_question(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session:
        await ingest_bytes(session, runtime.knowledge, [("m.txt", MEASURES.encode(), {})])
        await session.commit()
    assert "5000元" in await _ask(runtime, "示例市发明专利授权后资助多少钱？", "chat:1")
    assert (await _ask(runtime, "那外观设计呢？", "chat:1")).startswith(DESIGN)
    assert "800元" in await _ask(runtime, "实用新型呢？", "chat:1"), "a chain of follow-ups"
    # Another chat has no such context: the bare follow-up finds no amount to give.
    assert not (await _ask(runtime, "那外观设计呢？", "chat:2")).startswith(DESIGN)
    # Half an hour of silence and the context is forgotten.
    async with runtime.sessions() as session:
        old = utcnow() - timedelta(minutes=31)
        await session.execute(
            update(AnswerLog).where(AnswerLog.user_key == "chat:1").values(created_at=old)
        )
        await session.commit()
    assert not (await _ask(runtime, "那外观设计呢？", "chat:1")).startswith(DESIGN)


async def test_a_short_question_of_its_own_is_not_read_with_the_earlier_one(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session:
        await ingest_bytes(session, runtime.knowledge, [("m.txt", MEASURES.encode(), {})])
        await session.commit()
    assert "5000元" in await _ask(runtime, "示例市发明专利授权后资助多少钱？", "chat:3")
    async with runtime.sessions() as session:
        answer, _ = await ask_and_record(
            session, runtime.knowledge, "食堂几点开饭?", user_key="chat:3"
        )
    assert answer.answered is False
