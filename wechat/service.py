"""What the Official Account does with what its followers send.

- A text is a question: the answer with its citation (or, when nothing answers it, the
  honest "passed to an officer", whose answer comes back here through the outbox).
  Keywords act on the last answer: 有用 / 没用 rate it, 转人工 passes it to an officer.
- ``subscribe`` / ``unsubscribe`` (following the account or not) start and end the
  follower's campaign subscription; 退订 / 订阅 do so while they keep following.
- A menu click (``ASK``) says how to ask.

WeChat waits five seconds for the answer to its callback and then retries the same
message (three tries in all). ``respond`` answers within ``PASSIVE_BUDGET`` seconds with a
passive reply; an answer that takes longer, and the parts of a long one beyond the first,
go as customer-service messages through the outbox. Every message is handled once: its key
is claimed in the database first (so replicas agree), and a retry gets the first reply.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns.subscribers import subscribe, unsubscribe
from core.db import utcnow, write_transaction
from core.errors import NotFound
from core.i18n import Translator
from core.outbox import WECHAT, Message, Outbox
from core.replays import RequestReplay, earlier_reply, remember_reply
from knowledge.feedback import record_feedback
from knowledge.models import AnswerLog
from knowledge.open_questions import attach_chat, question_for
from knowledge.questions import ask_and_record
from knowledge.service import KnowledgeBase
from wechat.callback import Incoming, reply_text, split_text
from wechat.config import WeChatConfig
from wechat.menu import ASK_KEY
from wechat.models import Follower

log = logging.getLogger(__name__)

# WeChat gives up on a callback after 5 s; leave a second for the network and the reply.
PASSIVE_BUDGET = 4.0
SCOPE = "wechat"
# WeChat's "got it, nothing to say" reply: it shows the follower nothing.
NOTHING = "success"
HELPFUL = {"有用", "👍", "满意", "有帮助", "helpful", "useful"}
UNHELPFUL = {"没用", "👎", "不满意", "没帮助", "没有帮助", "not helpful", "useless"}
HANDOFF = {"转人工", "人工", "人工服务", "找工作人员", "officer", "human"}
UNSUBSCRIBE = {"退订", "td", "unsubscribe"}
SUBSCRIBE = {"订阅", "subscribe"}

Starter = Callable[[str, Coroutine[Any, Any, None]], object]


@dataclass
class Channel:
    """What the WeChat front door works with."""

    config: WeChatConfig
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase
    outbox: Outbox
    # Runs a piece of work after the callback has been answered (the process's jobs).
    start_job: Starter


def user_key(follower: Follower) -> str:
    return f"{WECHAT}:{follower.id}"


async def follower_of(session: AsyncSession, openid: str, now: datetime) -> Follower:
    """The follower with this openid (made on first contact), seen now."""
    row = await session.scalar(select(Follower).where(Follower.openid == openid))
    if row is None:
        row = Follower(openid=openid, first_seen_at=now, last_seen_at=now)
        session.add(row)
        await session.flush()
    row.last_seen_at = now
    return row


async def respond(channel: Channel, incoming: Incoming, *, budget: float = PASSIVE_BUDGET) -> str:
    """The body to answer WeChat's callback with: a passive reply's XML, or "success"."""
    earlier = await _claim(channel.sessions, incoming.dedupe_key)
    if earlier is not None:
        return earlier
    work = asyncio.ensure_future(_handle(channel, incoming))
    try:
        parts = await asyncio.wait_for(asyncio.shield(work), budget)
    except TimeoutError:
        log.warning("wechat: %s took over %.1fs; answering by message", incoming.kind, budget)
        channel.start_job(f"wechat-{incoming.dedupe_key}", _send_late(channel, work))
        return NOTHING
    except Exception:
        # Nothing was recorded: let WeChat's retry of the message try again.
        await _release(channel.sessions, incoming.dedupe_key)
        raise
    else:
        if not parts:
            await _remember(channel.sessions, incoming.dedupe_key, NOTHING)
            return NOTHING
        xml = reply_text(
            channel.config,
            incoming,
            parts.texts[0],
            nonce=secrets.token_hex(8),
            timestamp=int(utcnow().timestamp()),
        )
        await _remember(channel.sessions, incoming.dedupe_key, xml, parts, channel.outbox)
        return xml


@dataclass(frozen=True)
class Reply:
    """What to tell the follower, in WeChat-sized parts, and who they are."""

    follower_id: int
    texts: list[str]

    def __bool__(self) -> bool:
        return bool(self.texts)


async def _handle(channel: Channel, incoming: Incoming) -> Reply:
    now = utcnow()
    async with write_transaction(channel.sessions) as session:
        follower = await follower_of(session, incoming.openid, now)
        t = Translator(follower.locale)
        text = ""
        if incoming.kind == "subscribe":
            follower.following = True
            await subscribe(session, follower.id, follower.locale, channel=WECHAT)
            text = t("wechat.welcome")
        elif incoming.kind == "unsubscribe":
            follower.following = False
            await unsubscribe(session, follower.id, channel=WECHAT)
        elif incoming.kind == "click" and incoming.event_key == ASK_KEY:
            text = t("wechat.how_to_ask")
        elif incoming.kind == "text" and incoming.content:
            text = await _answer(session, channel.knowledge, follower, incoming.content, t)
        elif incoming.kind == "other":
            text = t("wechat.text_only")
        return Reply(follower.id, split_text(text) if text else [])


async def _answer(
    session: AsyncSession, kb: KnowledgeBase, follower: Follower, text: str, t: Translator
) -> str:
    said = text.strip().lower()
    if said in HELPFUL or said in UNHELPFUL:
        return await _rate(session, follower, helpful=said in HELPFUL, t=t)
    if said in HANDOFF:
        return await _hand_off(session, follower, t)
    if said in UNSUBSCRIBE:
        await unsubscribe(session, follower.id, channel=WECHAT)
        return t("wechat.unsubscribed")
    if said in SUBSCRIBE:
        await subscribe(session, follower.id, follower.locale, channel=WECHAT)
        return t("wechat.subscribed")
    answer, _ = await ask_and_record(
        session,
        kb,
        text,
        channel=WECHAT,
        user_key=user_key(follower),
        chat_id=follower.id,
        locale=follower.locale,
    )
    if not answer.answered:
        # The question is open for officers with this chat: their answer comes back here.
        return f"{answer.answer}\n\n{t('wechat.forwarded')}"
    return f"{answer.answer}\n\n{t('wechat.after_answer')}"


async def _last_answer(session: AsyncSession, follower: Follower) -> AnswerLog | None:
    return await session.scalar(
        select(AnswerLog)
        .where(AnswerLog.user_key == user_key(follower))
        .order_by(AnswerLog.id.desc())
        .limit(1)
    )


async def _rate(session: AsyncSession, follower: Follower, *, helpful: bool, t: Translator) -> str:
    last = await _last_answer(session, follower)
    if last is None:
        return t("wechat.nothing_to_rate")
    await record_feedback(session, last.id, user_key(follower), helpful)
    return t("wechat.thanks") if helpful else t("wechat.sorry")


async def _hand_off(session: AsyncSession, follower: Follower, t: Translator) -> str:
    """Pass the follower's last question to an officer; the answer will come here."""
    last = await _last_answer(session, follower)
    if last is None:
        return t("wechat.nothing_to_hand_off")
    question = await question_for(session, last)
    try:
        await attach_chat(session, question.id, WECHAT, follower.id, user_key=user_key(follower))
    except NotFound:  # not theirs: cannot happen for their own last answer
        return t("wechat.nothing_to_hand_off")
    return t("wechat.handed_off", question=last.question)


async def _claim(sessions: async_sessionmaker[AsyncSession], key: str) -> str | None:
    """None when this process is the first to see the message (it is now claimed); else
    the reply to give again (``NOTHING`` while the first handling is still going)."""
    try:
        async with write_transaction(sessions) as session:
            earlier = await earlier_reply(session, SCOPE, key, key)
            if earlier is not None:
                return str(earlier.get("xml") or NOTHING)
            await remember_reply(session, SCOPE, key, key, {"xml": None})
    except IntegrityError:  # another replica claimed it a moment ago
        return NOTHING
    return None


async def _release(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    async with write_transaction(sessions) as session:
        await session.execute(
            delete(RequestReplay).where(RequestReplay.scope == SCOPE, RequestReplay.key == key)
        )


async def _remember(
    sessions: async_sessionmaker[AsyncSession],
    key: str,
    xml: str,
    reply: Reply | None = None,
    outbox: Outbox | None = None,
) -> None:
    """Keep the reply for WeChat's retries; queue the parts beyond the first."""
    async with write_transaction(sessions) as session:
        await session.execute(
            update(RequestReplay)
            .where(RequestReplay.scope == SCOPE, RequestReplay.key == key)
            .values(reply={"xml": xml})
        )
        if reply is not None and outbox is not None:
            await _queue(session, outbox, reply.follower_id, reply.texts[1:])


async def _queue(session: AsyncSession, outbox: Outbox, follower_id: int, texts: list[str]) -> None:
    for text in texts:
        await outbox.put(session, Message(WECHAT, str(follower_id), text, topic="answer"))


async def _send_late(channel: Channel, work: asyncio.Future[Reply]) -> None:
    """An answer that missed the passive window goes as customer-service messages."""
    reply = await work
    if reply:
        async with write_transaction(channel.sessions) as session:
            await _queue(session, channel.outbox, reply.follower_id, reply.texts)
