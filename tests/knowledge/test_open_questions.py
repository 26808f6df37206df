import pytest

from campaigns.outbox import service_messages
from core.errors import Conflict, InvalidInput
from knowledge.open_questions import answer_open_question, attach_chat, list_open_questions
from knowledge.questions import ask_and_record
from policydesk.runtime import Runtime


async def test_officer_answer_goes_into_the_outbox_once(runtime: Runtime) -> None:
    outbox = runtime.outbox
    async with runtime.sessions() as session:
        answer, _ = await ask_and_record(
            session, runtime.knowledge, "今天会下雨吗?", channel="telegram"
        )
        assert answer.answered is False
        assert answer.open_question_id is not None
        await attach_chat(session, answer.open_question_id, "telegram", 42)
        await session.commit()
        assert [q.id for q in await list_open_questions(session)] == [answer.open_question_id]

        with pytest.raises(InvalidInput):
            await answer_open_question(session, outbox, answer.open_question_id, "  ", "officer")
        await answer_open_question(
            session, outbox, answer.open_question_id, "请关注气象台。", "officer"
        )
        await session.commit()
        with pytest.raises(Conflict):
            await answer_open_question(session, outbox, answer.open_question_id, "again", "officer")
        assert await list_open_questions(session) == []
        queued = await service_messages(session)
    assert [(m.channel, m.address, m.text, m.topic, m.header_key) for m in queued] == [
        ("telegram", "42", "今天会下雨吗?\n\n请关注气象台。", "officer_answer", "bot.officer.reply")
    ]
