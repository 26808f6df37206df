"""Open questions (officer role): ``POST /api/v1/admin/questions/{id}/answer`` answers one and
the answer goes back to the asker's chat; the group routes answer similar questions once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentOfficer, KnowledgeDep, RuntimeDep, SessionDep, WriteSessionDep
from api.schemas import ERRORS, IdPath
from core.fields import YesNo, required_text
from knowledge.open_questions import MAX_ANSWER_CHARS, answer_open_question, list_open_questions
from knowledge.question_groups import answer_group, open_groups

router = APIRouter(
    prefix="/api/v1/admin/questions", tags=["admin: open questions"], responses=ERRORS
)


class AnswerIn(BaseModel):
    answer: Annotated[str, required_text(MAX_ANSWER_CHARS)]


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
    "/{question_id:id}/answer",
    response_model=AnsweredOut,
    responses={404: {"description": "no such question"}, 409: {"description": "answered"}},
)
async def answer_question(
    question_id: IdPath,
    body: AnswerIn,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    officer: CurrentOfficer,
) -> AnsweredOut:
    row = await answer_open_question(
        session, runtime.outbox, question_id, body.answer, officer=officer.name
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


class QuestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    question: str
    channel: str
    status: str
    answer: str | None
    answered_by: str | None
    created_at: datetime
    answered_at: datetime | None


class GroupOut(BaseModel):
    id: int = Field(description="The id of the group's oldest question")
    question: str
    variants: list[str]
    count: int = Field(description="Questions in the group")
    askers: int = Field(description="Distinct people who asked")
    waiting: int = Field(description="Askers who will get the answer in their chat")
    first_asked: datetime
    last_asked: datetime
    question_ids: list[int]


class GroupAnswerIn(AnswerIn):
    make_faq: YesNo = Field(False, description="Also add the answer to the FAQ (searchable)")
    faq_question: str | None = Field(None, max_length=500)


class GroupAnswerOut(BaseModel):
    answered: list[int]
    delivered: int
    faq_slug: str | None


@router.get("", response_model=list[QuestionOut])
async def questions(
    session: SessionDep, _: CurrentOfficer, status: Literal["open", "answered"] = "open"
) -> list[QuestionOut]:
    return [QuestionOut.model_validate(q) for q in await list_open_questions(session, status)]


@router.get("/groups", response_model=list[GroupOut])
async def groups(session: SessionDep, knowledge: KnowledgeDep, _: CurrentOfficer) -> list[GroupOut]:
    """Open questions grouped with similar ones: the most asked first."""
    return [
        GroupOut(
            id=g.id,
            question=g.question,
            variants=g.variants,
            count=g.count,
            askers=g.askers,
            waiting=g.waiting,
            first_asked=g.first_asked,
            last_asked=g.last_asked,
            question_ids=[q.id for q in g.questions],
        )
        for g in await open_groups(session, knowledge)
    ]


@router.post("/groups/{group_id:id}/answer", response_model=GroupAnswerOut)
async def answer_a_group(
    group_id: IdPath,
    body: GroupAnswerIn,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    officer: CurrentOfficer,
) -> GroupAnswerOut:
    """Answer every question of the group; each asker is told in the channel they used."""
    result = await answer_group(
        session,
        runtime.knowledge,
        runtime.outbox,
        group_id,
        body.answer,
        officer.name,
        make_faq=body.make_faq,
        faq_question=body.faq_question,
    )
    return GroupAnswerOut(
        answered=result.answered, delivered=result.delivered, faq_slug=result.faq_slug
    )
