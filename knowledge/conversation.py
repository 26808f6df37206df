"""Follow-up questions: "那外观设计呢?" right after "发明专利授权后资助多少钱?".

A short question that leans on the one before (starts with 那/还有/如果, ends with 呢,
points back with 这个/它, or is only a few words) is read with the same chat's earlier
question, when that one was asked within ``WINDOW``. The chat is whatever the channel
keys its answer log by: a Telegram user, a web-chat session, an API ``conversation_id``.
The answer log is the memory, so every replica and a restart see the same turns.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from knowledge.models import AnswerLog
from knowledge.normalize import normalize

WINDOW = timedelta(minutes=30)
TURNS = 3  # how far back a chain of follow-ups reaches
SHORT = 8  # characters of content: a question this short leans on the one before
FOLLOW_UP_MAX = 24  # longer questions stand on their own
_LEANS = re.compile(
    r"^(?:那|那么|那如果|还有|另外|如果是|要是|假如|换成|同样)|呢[?？]?$|这个|那个|这种|这些|它|上面|刚才"
)
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")


def is_follow_up(question: str) -> bool:
    text = normalize(question)
    content = len(_CONTENT.findall(text))
    if content == 0 or content > FOLLOW_UP_MAX:
        return False
    return content <= SHORT or bool(_LEANS.search(text))


async def context_for(
    session: AsyncSession, user_key: str | None, question: str, now: datetime | None = None
) -> str | None:
    """The earlier question(s) this one follows up on, or None."""
    if not user_key or not is_follow_up(question):
        return None
    since = (now or utcnow()) - WINDOW
    rows = await session.scalars(
        select(AnswerLog.question)
        .where(AnswerLog.user_key == user_key, AnswerLog.created_at >= since)
        .order_by(AnswerLog.id.desc())
        .limit(TURNS)
    )
    earlier: list[str] = []
    for previous in rows:
        earlier.append(previous)
        if not is_follow_up(previous):  # the question the chain started from
            break
    return " ".join(earlier) or None
