"""``POST /api/v1/admin/questions/{id}/answer``: an officer answers an open question and the
answer goes back to the asker's chat. (The officer workspace builds on the same service.)"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentOfficer, RuntimeDep, SessionDep
from knowledge.open_questions import MAX_ANSWER_CHARS, answer_open_question

router = APIRouter(prefix="/api/v1/admin/questions", tags=["admin: open questions"])


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class AnsweredOut(BaseModel):
    id: int
    question: str
    status: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    channel: str
    delivered_to_chat: bool = Field(description="True when the asker's chat is known")


@router.post(
    "/{question_id}/answer",
    response_model=AnsweredOut,
    responses={404: {"description": "no such question"}, 409: {"description": "answered"}},
)
async def answer_question(
    question_id: int,
    body: AnswerIn,
    session: SessionDep,
    runtime: RuntimeDep,
    officer: CurrentOfficer,
) -> AnsweredOut:
    row = await answer_open_question(
        session, runtime.notifier, question_id, body.answer, officer=officer.name
    )
    return AnsweredOut(
        id=row.id,
        question=row.question,
        status=row.status,
        answer=row.answer,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
        channel=row.channel,
        delivered_to_chat=row.chat_id is not None,
    )
