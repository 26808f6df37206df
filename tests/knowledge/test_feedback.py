import asyncio

import pytest
from sqlalchemy import select

from core.db import create_engine, create_session_factory, write_transaction
from core.errors import NotFound
from knowledge.feedback import AnswerFeedback, FeedbackOutcome, feedback_totals, record_feedback
from knowledge.models import AnswerLog


async def test_one_vote_per_user_per_answer(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            log = AnswerLog(question="q", answered=True, confidence=0.9, answer="a", sources=[])
            session.add(log)
            await session.commit()
            outcomes = [
                await record_feedback(session, log.id, "tg:1", True),
                await record_feedback(session, log.id, "tg:1", True),
                await record_feedback(session, log.id, "tg:1", False),
                await record_feedback(session, log.id, "tg:2", True),
            ]
            await session.commit()
            assert outcomes == [
                FeedbackOutcome.RECORDED,
                FeedbackOutcome.UNCHANGED,
                FeedbackOutcome.CHANGED,
                FeedbackOutcome.RECORDED,
            ]
            assert await feedback_totals(session, log.id) == (1, 1)
            with pytest.raises(NotFound):
                await record_feedback(session, log.id + 1, "tg:1", True)

        # Two taps racing in separate transactions still leave one row.
        async def tap(helpful: bool) -> FeedbackOutcome:
            async with write_transaction(sessions) as session:
                return await record_feedback(session, log.id, "tg:3", helpful)

        results = await asyncio.gather(tap(True), tap(True))
        assert sorted(results) == sorted([FeedbackOutcome.RECORDED, FeedbackOutcome.UNCHANGED])
        async with sessions() as session:
            rows = list(
                await session.scalars(
                    select(AnswerFeedback).where(AnswerFeedback.user_key == "tg:3")
                )
            )
            assert len(rows) == 1
    finally:
        await engine.dispose()
