"""Request dependencies as ``Annotated`` aliases: the session, the knowledge base, the caller."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from core.tokens import ApiToken, Role, authenticate
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime
from webchat.sender import bind_session

bearer = HTTPBearer(
    auto_error=False, description="Admin API token (`policydesk admin create-token`)"
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the route returns without error."""
    async with runtime.sessions() as session:
        try:
            # Senders that store messages (the web channel) write through this session.
            with bind_session(session):
                yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_knowledge(runtime: RuntimeDep) -> KnowledgeBase:
    return runtime.knowledge


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


def _requires(role: Role):  # type: ignore[no-untyped-def]
    async def check(
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiToken:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "admin token required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token = await authenticate(session, credentials.credentials)
        if token is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown or revoked token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not Role(token.role).allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role")
        await _commit_last_used(session, token)
        return token

    return check


async def _commit_last_used(session: AsyncSession, token: ApiToken) -> None:
    """Commit the token's last-used time at once, best effort.

    Left pending, the stamp would turn every request into a read-then-write transaction,
    which SQLite refuses outright when another writer (a background ingest job, say)
    committed in between; committed here, the request goes on in a fresh transaction.
    """
    try:
        await session.commit()
    except OperationalError:
        await session.rollback()
        await session.refresh(token)


CurrentOfficer = Annotated[ApiToken, Depends(_requires(Role.OFFICER))]
CurrentAdmin = Annotated[ApiToken, Depends(_requires(Role.ADMIN))]


def constant_time_equals(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())
