"""Officers editing the FAQ. Every change rebuilds the index in the same transaction, so
the change is searchable as soon as the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from knowledge.loaders import slugify
from knowledge.models import Document, FaqEntry
from knowledge.service import KnowledgeBase


@dataclass
class FaqDraft:
    question: str
    answer: str
    paraphrases: list[str] = field(default_factory=list)
    document_slug: str | None = None
    quote: str | None = None
    tags: list[str] = field(default_factory=list)
    active: bool = True


async def _checked(session: AsyncSession, draft: FaqDraft) -> dict[str, object]:
    question, answer = draft.question.strip(), draft.answer.strip()
    if not question:
        raise InvalidInput("the question is empty", field="question")
    if not answer:
        raise InvalidInput("the answer is empty", field="answer")
    if draft.document_slug and not await session.scalar(
        select(Document.id).where(Document.slug == draft.document_slug)
    ):
        raise InvalidInput(f"no document {draft.document_slug!r}", field="document_slug")
    paraphrases = [p.strip() for p in draft.paraphrases if p.strip() and p.strip() != question]
    return {
        "question": question,
        "answer": answer,
        "paraphrases": list(dict.fromkeys(paraphrases)),
        "document_slug": draft.document_slug or None,
        "quote": (draft.quote or "").strip() or None,
        "tags": [t.strip() for t in draft.tags if t.strip()],
        "active": draft.active,
    }


async def list_faq(
    session: AsyncSession, search: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[FaqEntry], int]:
    query = select(FaqEntry)
    if search:
        pattern = f"%{search}%"
        query = query.where(or_(FaqEntry.question.like(pattern), FaqEntry.answer.like(pattern)))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(FaqEntry.id).offset(offset).limit(limit))
    return list(rows), int(total or 0)


async def get_faq(session: AsyncSession, faq_id: int) -> FaqEntry:
    row = await session.get(FaqEntry, faq_id)
    if row is None:
        raise NotFound(f"FAQ entry {faq_id} does not exist")
    return row


async def create_faq(session: AsyncSession, kb: KnowledgeBase, draft: FaqDraft) -> FaqEntry:
    values = await _checked(session, draft)
    slug = "officer-" + slugify(str(values["question"]))[:100]
    if await session.scalar(select(FaqEntry.id).where(FaqEntry.slug == slug)):
        raise Conflict("an FAQ entry with this question exists already", field="question")
    row = FaqEntry(slug=slug, origin="officer", **values)
    session.add(row)
    await session.flush()
    await kb.rebuild(session)
    return row


async def update_faq(
    session: AsyncSession, kb: KnowledgeBase, faq_id: int, draft: FaqDraft
) -> FaqEntry:
    row = await get_faq(session, faq_id)
    for key, value in (await _checked(session, draft)).items():
        setattr(row, key, value)
    row.origin = "officer"  # the office's now: a re-import of the pack leaves it alone
    await session.flush()
    await kb.rebuild(session)
    return row


async def delete_faq(session: AsyncSession, kb: KnowledgeBase, faq_id: int) -> None:
    """Remove an entry from answers. Pack entries are retired (kept inactive and owned by the
    office, so that a re-import of the pack does not bring them back); the office's own
    entries are deleted."""
    row = await get_faq(session, faq_id)
    if row.origin == "pack":
        row.active, row.origin = False, "officer"
    else:
        await session.delete(row)
    await session.flush()
    await kb.rebuild(session)
