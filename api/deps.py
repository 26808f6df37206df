"""Request dependencies as ``Annotated`` aliases: the session, the knowledge base, the caller."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import committed
from core.tokens import ApiToken, Role, authenticate
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime

bearer = HTTPBearer(
    auto_error=False, description="Admin API token (`policydesk admin create-token`)"
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the route returns without error."""
    async with runtime.sessions() as session, committed(session):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_write_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session for routes that read and then write: on SQLite its transaction takes the
    write lock when it starts, so a writer committing meanwhile (a background ingest, say)
    makes it wait its turn instead of failing with "database is locked".

    The transaction starts at the route's first query, after the other dependencies (the
    token check) are done with the database.
    """
    engine = runtime.engine.execution_options(sqlite_immediate=True)
    async with AsyncSession(engine, expire_on_commit=False) as session, committed(session):
        yield session


WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session)]


def get_knowledge(runtime: RuntimeDep) -> KnowledgeBase:
    return runtime.knowledge


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


def _requires(role: Role):  # type: ignore[no-untyped-def]
    async def check(
        runtime: RuntimeDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiToken:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "admin token required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        # A short session of its own: the route's session stays free of the last-used
        # stamp (a pending write would make it a read-then-write transaction, which SQLite
        # refuses when another writer committed in between).
        async with runtime.sessions() as session:
            token = await authenticate(session, credentials.credentials)
            if token is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "unknown or revoked token",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                await session.commit()
            except OperationalError:  # the stamp is best effort on a busy database
                await session.rollback()
                await session.refresh(token)
        if not Role(token.role).allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role")
        return token

    return check


CurrentOfficer = Annotated[ApiToken, Depends(_requires(Role.OFFICER))]
CurrentAdmin = Annotated[ApiToken, Depends(_requires(Role.ADMIN))]


def constant_time_equals(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


# A client's random id for one logical request (a sign-up, a chat message): the same key
# sent again gets the first reply (``core.replays``).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[A-Za-z0-9._:-]{8,100}$",
        description="8-100 letters, digits or ._:- ; the same key sent again returns the"
        " first reply",
    ),
]
