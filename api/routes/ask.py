"""``POST /api/v1/ask``: a question in, a grounded answer with sources out."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import KnowledgeDep, WriteSessionDep
from knowledge.questions import ask_and_record

router = APIRouter(prefix="/api/v1", tags=["ask"])


class AskRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=500, description="The question, in Chinese or English"
    )
    locale: Literal["zh", "en"] = "zh"
    include_expired: bool = Field(
        False, description="Also search documents whose validity date has passed"
    )


class SourceOut(BaseModel):
    kind: Literal["passage", "faq", "rule"]
    document: str
    section: str
    text: str
    quote: str
    score: float


class AnswerOut(BaseModel):
    answered: bool
    confidence: float = Field(ge=0, le=1)
    answer: str = Field(description="The answer with its citation")
    body: str = Field(
        description="The answer without its citation line, for clients listing the sources"
    )
    sources: list[SourceOut]
    open_question_id: int | None = None


@router.post("/ask", response_model=AnswerOut)
async def ask(body: AskRequest, session: WriteSessionDep, knowledge: KnowledgeDep) -> AnswerOut:
    # Validation of blank text happens in the service (422 via the domain error handler).
    answer, _ = await ask_and_record(
        session,
        knowledge,
        body.question,
        channel="api",
        locale=body.locale,
        include_expired=body.include_expired,
    )
    return AnswerOut.model_validate(answer.to_json())
