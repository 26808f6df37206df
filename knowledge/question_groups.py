"""Grouping similar unanswered questions, so that officers answer each one only once.

Two open questions belong together when their normalised texts are equal or their query
embeddings are very close (cosine >= ``SIMILARITY``). With the bundled model, paraphrases
score 0.96-0.99 while different questions on one topic stay at or below about 0.92
(see ``tests/knowledge/test_question_groups.py``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from core.outbox import Outbox
from knowledge.models import FaqEntry, OpenQuestion
from knowledge.open_questions import answer_open_question, list_open_questions, reachable
from knowledge.service import KnowledgeBase

SIMILARITY = 0.94


@dataclass
class QuestionGroup:
    """Open questions that ask the same thing; ``id`` is the id of the oldest one."""

    questions: list[OpenQuestion] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.questions[0].id

    @property
    def question(self) -> str:
        return self.questions[0].question

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def askers(self) -> int:
        """Distinct people: questions without a known asker count one each."""
        keys = {q.user_key or f"#{q.id}" for q in self.questions}
        return len(keys)

    @property
    def first_asked(self) -> datetime:
        return min(q.created_at for q in self.questions)

    @property
    def last_asked(self) -> datetime:
        return max(q.created_at for q in self.questions)

    @property
    def waiting(self) -> int:
        """How many askers will receive the answer in their chat."""
        return sum(1 for q in self.questions if q.chat_id is not None)

    @property
    def variants(self) -> list[str]:
        return list(dict.fromkeys(q.question for q in self.questions))


def group_questions(
    questions: list[OpenQuestion], vectors: np.ndarray, threshold: float = SIMILARITY
) -> list[QuestionGroup]:
    """Greedy grouping in age order: each question joins the first group whose oldest
    question it matches, by equal normalised text or by cosine similarity."""
    groups: list[QuestionGroup] = []
    heads: list[int] = []  # row of each group's oldest question in ``vectors``
    by_text: dict[str, QuestionGroup] = {}
    for row, question in enumerate(questions):
        group = by_text.get(question.normalized)
        if group is None and heads:
            sims = vectors[heads] @ vectors[row]
            best = int(np.argmax(sims))
            if float(sims[best]) >= threshold:
                group = groups[best]
        if group is None:
            group = QuestionGroup()
            groups.append(group)
            heads.append(row)
        group.questions.append(question)
        by_text.setdefault(question.normalized, group)
    return groups


async def open_groups(session: AsyncSession, kb: KnowledgeBase) -> list[QuestionGroup]:
    """Open questions grouped; the most asked first, then the longest waiting."""
    questions = await list_open_questions(session, "open")
    if not questions:
        return []
    model = kb.model()
    vectors = await asyncio.to_thread(model.embed_queries, [q.normalized for q in questions])
    groups = group_questions(questions, np.asarray(vectors))
    groups.sort(key=lambda g: (-g.askers, g.first_asked))
    return groups


@dataclass
class GroupAnswer:
    answered: list[int]
    delivered: int
    faq_slug: str | None = None


async def answer_group(
    session: AsyncSession,
    kb: KnowledgeBase,
    outbox: Outbox,
    group_id: int,
    answer: str,
    officer: str,
    *,
    make_faq: bool = False,
    faq_question: str | None = None,
) -> GroupAnswer:
    """Answer every question of a group; each asker gets the answer in their own channel.

    With ``make_faq`` the answer also becomes an FAQ entry (the group's questions as its
    paraphrases) and the index is rebuilt in this transaction, so it is searchable as soon
    as the caller commits.
    """
    group = next((g for g in await open_groups(session, kb) if g.id == group_id), None)
    if group is None:
        raise NotFound(f"no open question group {group_id}")
    slug = f"officer-q{group_id}"
    if make_faq and await session.scalar(select(FaqEntry.id).where(FaqEntry.slug == slug)):
        raise Conflict(f"FAQ entry {slug} already exists")
    delivered = 0
    for question in group.questions:
        row = await answer_open_question(session, outbox, question.id, answer, officer)
        delivered += reachable(row)
    result = GroupAnswer([q.id for q in group.questions], delivered)
    if make_faq:
        title = (faq_question or group.question).strip()
        if not title:
            raise InvalidInput("the FAQ question is empty", field="faq_question")
        session.add(
            FaqEntry(
                slug=slug,
                question=title,
                paraphrases=[v for v in group.variants if v != title],
                answer=answer.strip(),
                tags=["officer"],
                origin="officer",
                active=True,
            )
        )
        await session.flush()
        await kb.rebuild(session)
        result.faq_slug = slug
    return result
