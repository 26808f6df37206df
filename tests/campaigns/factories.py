"""Builders shared by the campaign tests: engines, subscribers, a scripted fake port."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import service
from campaigns.content import Draft
from campaigns.models import Delivery
from campaigns.subscribers import Subscriber
from core.db import utcnow
from core.settings import Settings
from core.transport import Outcome, OutgoingMessage, SendResult
from testing.botapi_emulator import DEFAULT_TOKEN

CHAT_BASE = 7_000_000_000


async def add_subscribers(
    sessions: async_sessionmaker[AsyncSession], count: int, start: int = 0, **attrs: object
) -> list[int]:
    """``count`` subscribed chats (ids ``CHAT_BASE + start + i``) with the given attributes."""
    chat_ids = [CHAT_BASE + start + i for i in range(count)]
    rows = [
        {
            "chat_id": chat_id,
            "locale": "zh",
            "subscribed": True,
            "blocked": False,
            "subscribed_at": utcnow(),
            **attrs,
        }
        for chat_id in chat_ids
    ]
    async with sessions() as session:
        for i in range(0, len(rows), 2000):
            await session.execute(insert(Subscriber), rows[i : i + 2000])
        await session.commit()
    return chat_ids


class FakePort:
    """A port that records every request and answers from a per-chat script
    (default: sent). ``script[chat_id]`` is a list of results consumed in order."""

    bot_key = "bot-fake"

    def __init__(self, script: dict[int, list[SendResult]] | None = None) -> None:
        self.script = defaultdict(list, script or {})
        self.requests: list[tuple[int, OutgoingMessage]] = []
        self.delivered: dict[int, int] = defaultdict(int)
        self._next_id = 0
        self.gate: asyncio.Event | None = None

    async def send(self, address: str, message: OutgoingMessage) -> SendResult:
        chat_id = int(address)
        self.requests.append((chat_id, message))
        if self.gate is not None:
            await self.gate.wait()
        queue = self.script.get(chat_id)
        result = queue.pop(0) if queue else SendResult(Outcome.SENT)
        if result.outcome == Outcome.SENT:
            self._next_id += 1
            self.delivered[chat_id] += 1
            return SendResult(Outcome.SENT, message_id=self._next_id)
        return result

    async def close(self) -> None:
        return None

    def requested(self, chat_ids: Iterable[int]) -> dict[int, int]:
        wanted = set(chat_ids)
        counts: dict[int, int] = defaultdict(int)
        for chat_id, _ in self.requests:
            if chat_id in wanted:
                counts[chat_id] += 1
        return counts


def emulator_settings(base_url: str, **overrides: object) -> Settings:
    """Settings that point the real aiogram session at an emulator."""
    return Settings(
        bot_token=DEFAULT_TOKEN,  # type: ignore[arg-type]
        telegram_api_base=base_url,
        **overrides,  # type: ignore[arg-type]
    )


async def start_campaign(
    sessions: async_sessionmaker[AsyncSession],
    text: str = "<b>4·26</b> 知识产权宣传周",
    **segment: object,
) -> int:
    async with sessions() as session:
        campaign = await service.create_campaign(session, Draft("宣传周", text, dict(segment)))
        await service.start_campaign(session, campaign.id)
        await session.commit()
        return campaign.id


async def delivery_statuses(
    sessions: async_sessionmaker[AsyncSession], campaign_id: int
) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(Delivery.chat_id, Delivery.status).where(Delivery.campaign_id == campaign_id)
        )
        return {chat: status for chat, status in rows.all()}
