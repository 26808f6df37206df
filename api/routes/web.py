"""The web chat: the page itself and its small JSON API (a browser chat, identified by
the key it got when it opened the chat, sent as ``X-Chat-Key``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.deps import IdempotencyKey, KnowledgeDep, RuntimeDep, SessionDep, WriteSessionDep
from api.routes.ask import AnswerOut, SourceOut
from api.schemas import MAX_ID, PUBLIC_ERRORS, IdField
from core.fields import YesNo
from core.replays import digest_of, earlier_reply, remember_reply
from webchat.service import (
    ask_in_chat,
    chat_for_key,
    feedback_in_chat,
    hand_off,
    history,
    messages_after,
    open_chat,
)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
router = APIRouter(tags=["web chat"])
api = APIRouter(prefix="/api/v1/web", tags=["web chat"], responses=PUBLIC_ERRORS)
ChatKey = Annotated[str | None, Header(alias="X-Chat-Key", max_length=100)]
Locale = Literal["zh", "en"]


@router.get("/", include_in_schema=False)
@router.get("/chat", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")


class PageConfig(BaseModel):
    timezone: str = Field(
        description="the office's time zone (IANA name): the page shows times in it"
    )


@api.get("/config", response_model=PageConfig)
async def config(runtime: RuntimeDep) -> PageConfig:
    """What the page needs to know about this office."""
    return PageConfig(timezone=runtime.settings.timezone)


class ChatOpen(BaseModel):
    locale: Locale = "zh"


class ChatOut(BaseModel):
    id: int
    key: str = Field(description="Send it back as X-Chat-Key; shown only here")


class WebAsk(BaseModel):
    question: str = Field(min_length=1, max_length=500)
    locale: Locale = "zh"


class WebAnswerOut(AnswerOut):
    answer_log_id: IdField


WEB_ASK_SCOPE = "web-ask"


class FeedbackIn(BaseModel):
    answer_log_id: IdField
    helpful: YesNo


class HandOffIn(BaseModel):
    answer_log_id: IdField


class HandOffOut(BaseModel):
    open_question_id: int


class MessageOut(BaseModel):
    id: int
    text: str
    created_at: str


@api.post("/chats", response_model=ChatOut, status_code=status.HTTP_201_CREATED)
async def new_chat(body: ChatOpen, session: WriteSessionDep) -> ChatOut:
    chat, key = await open_chat(session, body.locale)
    return ChatOut(id=chat.id, key=key)


@api.post("/ask", response_model=WebAnswerOut)
async def ask(
    body: WebAsk,
    session: WriteSessionDep,
    knowledge: KnowledgeDep,
    key: ChatKey = None,
    idempotency_key: IdempotencyKey = None,
) -> WebAnswerOut:
    """Ask in this chat. With an `Idempotency-Key`, a resent message gets the first answer
    and is recorded once."""
    chat = await chat_for_key(session, key)
    if idempotency_key is not None:
        digest = digest_of(chat.id, body.model_dump(mode="json"))
        earlier = await earlier_reply(session, WEB_ASK_SCOPE, idempotency_key, digest)
        if earlier is not None:
            return WebAnswerOut.model_validate(earlier)
    answer, log_row = await ask_in_chat(session, knowledge, chat, body.question, body.locale)
    out = WebAnswerOut.model_validate({**answer.to_json(), "answer_log_id": log_row.id})
    if idempotency_key is not None:
        # In the transaction that records the exchange: recorded means replayable.
        reply = out.model_dump(mode="json")
        await remember_reply(session, WEB_ASK_SCOPE, idempotency_key, digest, reply)
    return out


@api.post("/feedback", status_code=status.HTTP_204_NO_CONTENT)
async def feedback(body: FeedbackIn, session: WriteSessionDep, key: ChatKey = None) -> None:
    chat = await chat_for_key(session, key)
    await feedback_in_chat(session, chat, body.answer_log_id, body.helpful)


@api.post("/handoff", response_model=HandOffOut)
async def handoff(body: HandOffIn, session: WriteSessionDep, key: ChatKey = None) -> HandOffOut:
    """Pass the question to an officer; their answer will appear in this chat."""
    chat = await chat_for_key(session, key)
    question = await hand_off(session, chat, body.answer_log_id)
    return HandOffOut(open_question_id=question.id)


class SaidOut(BaseModel):
    """A question with its answer (``kind`` "exchange") or an officer's message ("officer")."""

    kind: Literal["exchange", "officer"]
    at: str
    question: str | None = None
    answered: bool | None = None
    body: str | None = Field(None, description="The answer without its citation line")
    sources: list[SourceOut] = Field(default_factory=list)
    answer_log_id: int | None = None
    message_id: int | None = None
    text: str | None = Field(None, description="An officer's message")


@api.get("/history", response_model=list[SaidOut])
async def chat_history(session: SessionDep, key: ChatKey = None) -> list[SaidOut]:
    """This chat's last 50 exchanges and officers' messages, oldest first: the page shows
    them again when it is reloaded or opened again in the same browser."""
    chat = await chat_for_key(session, key, touch=False)
    out: list[SaidOut] = []
    for said in await history(session, chat):
        if said.exchange is not None:
            row = said.exchange
            out.append(
                SaidOut(
                    kind="exchange",
                    at=row.created_at.isoformat(),
                    question=row.question,
                    answered=row.answered,
                    body=row.body or row.answer,
                    sources=[SourceOut.model_validate(s) for s in row.sources or []],
                    answer_log_id=row.id,
                )
            )
        elif said.message is not None:
            out.append(
                SaidOut(
                    kind="officer",
                    at=said.message.created_at.isoformat(),
                    message_id=said.message.id,
                    text=said.message.text,
                )
            )
    return out


@api.get("/messages", response_model=list[MessageOut])
async def messages(
    session: SessionDep, key: ChatKey = None, after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0
) -> list[MessageOut]:
    """Officers' messages for this chat newer than ``after`` (the page polls this)."""
    chat = await chat_for_key(session, key, touch=False)
    return [
        MessageOut(id=m.id, text=m.text, created_at=m.created_at.isoformat())
        for m in await messages_after(session, chat, after)
    ]
