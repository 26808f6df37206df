"""Reading the document catalogue for officers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.models import Document


async def list_documents(session: AsyncSession) -> list[Document]:
    return list(await session.scalars(select(Document).order_by(Document.id)))
