"""``POST /api/v1/ask``: a question in, a grounded answer with sources out."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import KnowledgeDep, WriteSessionDep
from core.fields import YesNo, required_text
from knowledge.questions import ask_and_record

router = APIRouter(prefix="/api/v1", tags=["ask"])


class AskRequest(BaseModel):
    question: Annotated[str, required_text(500)] = Field(
        description="The question, in Chinese or English"
    )
    locale: Literal["zh", "en"] = "zh"
    include_expired: YesNo = Field(
        False, description="Also search documents whose validity date has passed"
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Returned by an earlier answer: a short follow-up (那外观设计呢?) is read "
        "with that conversation's earlier question (for 30 minutes). Omit it to start one.",
    )


class SourceOut(BaseModel):
    kind: Literal["passage", "faq", "rule"]
    document: str
    section: str
    text: str
    quote: str
    score: float
    dated: str | None = Field(
        None, description="The document's date (ISO); for an officer's answer, the day written"
    )
    cited: str = Field(
        "", description="The citation as the asker reads it, e.g. 工作人员答复（…局，2026-12-07）"
    )


class AnswerOut(BaseModel):
    answered: bool
    confidence: float = Field(ge=0, le=1)
    answer: str = Field(description="The answer with its citation")
    body: str = Field(
        description="The answer without its citation line, for clients listing the sources"
    )
    sources: list[SourceOut]
    open_question_id: int | None = None
    conversation_id: str | None = Field(
        None,
        description="Send it with the next question to follow up (the web chat's own "
        "session does this for its asker)",
    )


@router.post("/ask", response_model=AnswerOut)
async def ask(body: AskRequest, session: WriteSessionDep, knowledge: KnowledgeDep) -> AnswerOut:
    # Validation of blank text happens in the service (422 via the domain error handler).
    conversation = body.conversation_id or secrets.token_urlsafe(12)
    answer, _ = await ask_and_record(
        session,
        knowledge,
        body.question,
        channel="api",
        user_key=f"api:{conversation}",
        locale=body.locale,
        include_expired=body.include_expired,
    )
    return AnswerOut.model_validate({**answer.to_json(), "conversation_id": conversation})
