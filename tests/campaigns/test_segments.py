"""Segments select the right subscribers (each attribute, combined, and by event)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns.segments import count_audience, parse_segment
from campaigns.subscribers import Subscriber, unsubscribe
from core.db import create_engine, create_session_factory
from core.errors import InvalidInput
from events.models import Company, Contact, Event, Registration
from tests.campaigns.factories import CHAT_BASE, add_subscribers


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    factory = create_session_factory(engine)
    await add_subscribers(factory, 4, county="解放区", industry="制造业", company_size="small")
    await add_subscribers(
        factory, 3, start=10, county="山阳区", industry="软件", has_patents=True, locale="en"
    )
    await add_subscribers(factory, 2, start=20, county="解放区", above_designated_size=True)
    yield factory
    await engine.dispose()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, 9),
        ({"counties": ["解放区"]}, 6),
        ({"counties": ["解放区", "山阳区"]}, 9),
        ({"industries": ["软件"]}, 3),
        ({"company_sizes": ["small", "medium"]}, 4),
        ({"above_designated_size": True}, 2),
        ({"has_patents": True}, 3),
        ({"locales": ["en"]}, 3),
        ({"counties": ["解放区"], "industries": ["制造业"]}, 4),
        ({"counties": ["修武县"]}, 0),
    ],
)
async def test_attribute_segments(
    sessions: async_sessionmaker[AsyncSession], raw: dict[str, object], expected: int
) -> None:
    async with sessions() as session:
        assert await count_audience(session, parse_segment(raw)) == expected


async def test_unsubscribed_and_blocked_are_never_in_a_segment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await unsubscribe(session, CHAT_BASE)
        await session.execute(
            update(Subscriber).where(Subscriber.chat_id == CHAT_BASE + 1).values(blocked=True)
        )
        assert await count_audience(session, parse_segment({"counties": ["解放区"]})) == 4


async def test_registered_for_an_event(sessions: async_sessionmaker[AsyncSession]) -> None:
    from datetime import timedelta

    from core.db import utcnow

    async with sessions() as session:
        company = Company(credit_code="91410800MA00000000", name="焦作某科技有限公司")
        event = Event(
            kind="training",
            title="专利申请实务培训",
            starts_at=utcnow() + timedelta(days=7),
            registration_deadline=utcnow() + timedelta(days=5),
            capacity=10,
        )
        session.add_all([company, event])
        await session.flush()
        for i, (chat, status) in enumerate(
            [(CHAT_BASE + 10, "confirmed"), (CHAT_BASE + 11, "cancelled"), (None, "confirmed")]
        ):
            contact = Contact(
                company_id=company.id,
                name=f"联系人{i}",
                phone=f"1380000000{i}",
                telegram_chat_id=chat,
            )
            session.add(contact)
            await session.flush()
            other = Company(credit_code=f"91410800MA0000001{i}", name=f"公司{i}")
            session.add(other)
            await session.flush()
            session.add(
                Registration(
                    event_id=event.id,
                    company_id=other.id,
                    contact_id=contact.id,
                    status=status,
                    checkin_code=f"C{i}",
                    secret_hash=f"h{i}",
                )
            )
        await session.flush()
        segment = parse_segment({"event_id": event.id})
        assert await count_audience(session, segment) == 1
        both = parse_segment({"event_id": event.id, "locales": ["zh"]})
        assert await count_audience(session, both) == 0


@pytest.mark.parametrize(
    "raw", [{"planet": "mars"}, {"company_sizes": ["huge"]}, {"locales": "zh"}]
)
def test_unknown_or_malformed_keys_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_segment(raw)
