"""Admin API tokens (admin role): list, create (the secret is shown once), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentAdmin, SessionDep, WriteSessionDep
from api.schemas import ERRORS, IdPath
from core.tokens import create_token, list_tokens, revoke_token

router = APIRouter(prefix="/api/v1/admin/tokens", tags=["admin: tokens"], responses=ERRORS)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    role: Literal["officer", "admin"]
    name: str = Field("", max_length=120)


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this response")


@router.get("", response_model=list[TokenOut])
async def tokens(session: SessionDep, _: CurrentAdmin) -> list[TokenOut]:
    return [TokenOut.model_validate(row) for row in await list_tokens(session)]


@router.post("", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
async def new_token(body: TokenCreate, session: WriteSessionDep, _: CurrentAdmin) -> TokenCreated:
    row, plain = await create_token(session, body.role, body.name)
    return TokenCreated.model_validate(
        {**TokenOut.model_validate(row).model_dump(), "token": plain}
    )


@router.delete("/{token_id:id}", response_model=TokenOut)
async def revoke(token_id: IdPath, session: WriteSessionDep, _: CurrentAdmin) -> TokenOut:
    return TokenOut.model_validate(await revoke_token(session, token_id))
