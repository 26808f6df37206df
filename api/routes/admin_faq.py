"""FAQ entries (officer role). Every change is searchable as soon as the call returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentOfficer, KnowledgeDep, SessionDep, WriteSessionDep
from api.schemas import ERRORS, MAX_ID, IdPath
from core.fields import YesNo, required_text
from knowledge.faq_admin import FaqDraft, create_faq, delete_faq, get_faq, list_faq, update_faq

router = APIRouter(prefix="/api/v1/admin/faq", tags=["admin: FAQ"], responses=ERRORS)


class FaqIn(BaseModel):
    question: Annotated[str, required_text(500)]
    answer: Annotated[str, required_text(4000)]
    paraphrases: list[Annotated[str, Field(max_length=500)]] = Field(default=[], max_length=50)
    document_slug: str | None = Field(None, max_length=120)
    quote: str | None = Field(None, max_length=4000)
    tags: list[Annotated[str, Field(max_length=60)]] = Field(default=[], max_length=20)
    active: YesNo = True

    def draft(self) -> FaqDraft:
        return FaqDraft(**self.model_dump())


class FaqOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    question: str
    answer: str
    paraphrases: list[str]
    document_slug: str | None
    quote: str | None
    tags: list[str]
    active: bool
    id: int
    slug: str
    origin: str
    updated_at: datetime


class FaqPage(BaseModel):
    total: int
    items: list[FaqOut]


@router.get("", response_model=FaqPage)
async def faq_list(
    session: SessionDep,
    _: CurrentOfficer,
    search: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FaqPage:
    rows, total = await list_faq(session, search, offset, limit)
    return FaqPage(total=total, items=[FaqOut.model_validate(r) for r in rows])


@router.post("", response_model=FaqOut, status_code=status.HTTP_201_CREATED)
async def faq_create(
    body: FaqIn, session: WriteSessionDep, knowledge: KnowledgeDep, _: CurrentOfficer
) -> FaqOut:
    return FaqOut.model_validate(await create_faq(session, knowledge, body.draft()))


@router.get("/{faq_id:id}", response_model=FaqOut)
async def faq_get(faq_id: IdPath, session: SessionDep, _: CurrentOfficer) -> FaqOut:
    return FaqOut.model_validate(await get_faq(session, faq_id))


@router.put("/{faq_id:id}", response_model=FaqOut)
async def faq_update(
    faq_id: IdPath,
    body: FaqIn,
    session: WriteSessionDep,
    knowledge: KnowledgeDep,
    _: CurrentOfficer,
) -> FaqOut:
    return FaqOut.model_validate(await update_faq(session, knowledge, faq_id, body.draft()))


@router.delete("/{faq_id:id}", status_code=status.HTTP_204_NO_CONTENT)
async def faq_delete(
    faq_id: IdPath, session: WriteSessionDep, knowledge: KnowledgeDep, _: CurrentOfficer
) -> None:
    await delete_faq(session, knowledge, faq_id)
