"""Repeated questions: answered once per index version, each asker with an answer of its own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from knowledge.answer import Answer
from knowledge.answer_cache import AnswerCache
from knowledge.ingest import ingest_bytes
from knowledge.questions import ask_and_record
from knowledge.service import KnowledgeBase
from policydesk.runtime import Runtime

QUESTION = "知识产权质押融资工作怎么开展?"
DAY = date(2026, 12, 7)


class Counting:
    """Counts the answers ``kb`` really computes (not those it repeats)."""

    def __init__(self, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        compute = kb._answer

        def counted(*args: Any) -> Answer:
            self.calls += 1
            return compute(*args)

        monkeypatch.setattr(kb, "_answer", counted)


async def test_a_repeat_is_answered_from_the_cache_until_the_index_changes(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = runtime.knowledge
    counting = Counting(kb, monkeypatch)
    first = kb.ask(QUESTION, today=DAY)
    again = kb.ask(QUESTION, today=DAY)
    assert counting.calls == 1
    assert again == first and again is not first and again.sources is not first.sources

    # Another reading, locale or day is another answer.
    kb.ask(QUESTION, today=DAY, locale="en")
    kb.ask(QUESTION, today=date(2027, 1, 1))
    kb.ask("那贷款利息有补贴吗?", today=DAY, context=QUESTION)
    assert counting.calls == 4

    # A new document: the next repeat is answered from the new index.
    text = "焦作市质押融资补充办法\n\n第一条 知识产权质押融资工作由市金融服务中心统一受理。"
    async with runtime.sessions() as session:
        await ingest_bytes(session, kb, [("pledge.txt", text.encode(), {})])
        await session.commit()
    fresh = kb.ask(QUESTION, today=DAY)
    assert counting.calls == 5
    assert fresh != first


async def test_each_asker_of_a_repeated_question_gets_an_open_question_of_its_own(
    runtime: Runtime,
) -> None:
    """Not-found answers are repeated too; each asker's is recorded apart."""
    ids = []
    async with runtime.sessions() as session:
        for user in ("a", "b"):
            answer, _ = await ask_and_record(
                session, runtime.knowledge, "食堂几点开饭?", user_key=user
            )
            assert not answer.answered
            ids.append(answer.open_question_id)
        await session.commit()
    assert None not in ids and ids[0] != ids[1]
    assert runtime.knowledge.answers.hits >= 1


def test_the_least_recently_used_answer_leaves_first() -> None:
    cache = AnswerCache(2)
    answers = {name: Answer(True, 0.9, name) for name in "abc"}
    cache.put("a", answers["a"])
    cache.put("b", answers["b"])
    assert cache.get("a") == answers["a"]  # a is now the most recent
    cache.put("c", answers["c"])
    assert cache.get("b") is None
    assert cache.get("a") == answers["a"] and cache.get("c") == answers["c"]
    assert len(cache) == 2

    off = AnswerCache(0)
    off.put("a", answers["a"])
    assert off.get("a") is None
