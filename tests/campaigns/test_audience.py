"""Segments reach subscribers through what is known about them: the companies their chat
registered for events (county, industry, size, patents, as stored) and their own record.
On SQLite and PostgreSQL; the clock is the test's (``NOW``), never the machine's."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campaigns import service
from campaigns.content import Draft
from campaigns.event_targets import event_targets
from campaigns.models import Delivery
from campaigns.segments import count_audience, parse_segment
from campaigns.subscribers import subscribe, unsubscribe
from core.db import create_engine, create_session_factory
from events.models import Event, Registration, RegistrationStatus
from events.registration import register
from events.schemas import CompanyIn, ContactIn, RegistrationIn
from events.service import create_event
from tests.campaigns.factories import CHAT_BASE, add_subscribers
from tests.events.factories import event_in, make_credit_code

NOW = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)

# The subscribers, by what they registered (their chat ids are CHAT_BASE + n).
A = CHAT_BASE + 1  # a company in 修武县: 装备制造, 规模以上, 2 invention patents
B = CHAT_BASE + 2  # a company in 武陟县: 生物医药, below designated size, no patents at all
C = CHAT_BASE + 3  # two companies: 解放区 / 软件 (patents unknown) and 修武县 / 生物医药
D = CHAT_BASE + 4  # nothing registered; the subscriber record says 修武县, small
E = CHAT_BASE + 5  # registered a company in 修武县, then unsubscribed
F = CHAT_BASE + 6  # registered a company in 修武县; never subscribed (not a subscriber)
G = CHAT_BASE + 7  # subscribed, nothing known


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    training: int  # A, C (解放区 company) and E registered; C's registration live
    matchmaking: int  # B registered, then cancelled; C (修武县 company) registered


def company(n: int, county: str, industry: str | None, **more: object) -> CompanyIn:
    return CompanyIn.model_validate(
        {
            "name": f"焦作受众测试{n}有限公司",
            "credit_code": make_credit_code(random.Random(1000 + n)),
            "county": county,
            "industry": industry,
            **more,
        }
    )


def form(n: int, the_company: CompanyIn) -> RegistrationIn:
    return RegistrationIn(
        company=the_company, contact=ContactIn(name=f"联系人{n}", phone=f"139{n:08d}")
    )


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        training = await create_event(session, event_in(now=NOW))
        matchmaking = await create_event(
            session, event_in(now=NOW, starts_in=timedelta(days=20), kind="financing_matchmaking")
        )
        # Neither is offered to aim at: a draft, and an event of long ago.
        await create_event(session, event_in(now=NOW, status="draft"))
        await create_event(session, event_in(now=NOW - timedelta(days=200)))
        await session.commit()
        ids = training.id, matchmaking.id
    patents = {"invention_patents": 2}
    none = {"invention_patents": 0, "utility_model_patents": 0, "design_patents": 0}
    signups = [
        (A, ids[0], company(1, "修武县", "装备制造", above_designated_size=True, **patents)),
        (B, ids[1], company(2, "武陟县", "生物医药", above_designated_size=False, **none)),
        (C, ids[0], company(3, "解放区", "软件")),
        (C, ids[1], company(4, "修武县", "生物医药")),
        (E, ids[0], company(5, "修武县", "装备制造")),
        (F, ids[0], company(6, "修武县", "装备制造")),
    ]
    for n, (chat, event_id, the_company) in enumerate(signups, start=1):
        done = await register(sessions, event_id, form(n, the_company), chat_id=chat, now=NOW)
        if chat == B:
            cancelled_by_b = done.registration.id
    async with sessions() as session:
        for chat in (A, B, C, E, G):
            await subscribe(session, chat)
        await unsubscribe(session, E)
        await session.commit()
    await add_subscribers(sessions, 1, start=4, county="修武县", company_size="small")
    async with sessions() as session:  # B cancels (cancelling itself reads the real clock)
        await session.execute(
            update(Registration)
            .where(Registration.id == cancelled_by_b)
            .values(status=RegistrationStatus.CANCELLED.value, cancelled_at=NOW)
        )
        await session.commit()
    yield World(sessions, *ids)
    await engine.dispose()


async def reached(world: World, raw: dict[str, object]) -> set[int]:
    """The chats a campaign with this segment is delivered to (its snapshot), checked
    against the count the form and the preview show."""
    async with world.sessions() as session:
        counted = await count_audience(session, parse_segment(raw))
        campaign = await service.create_campaign(session, Draft("受众", "正文", raw))
        await service.start_campaign(session, campaign.id, now=NOW)
        chats = set(
            await session.scalars(
                select(Delivery.chat_id).where(Delivery.campaign_id == campaign.id)
            )
        )
        await session.rollback()
    assert counted == len(chats)
    return chats


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, {A, B, C, D, G}),
        # The bug: nobody had a county, so this reached 0.
        ({"counties": ["修武县", "武陟县"]}, {A, B, C, D}),
        ({"counties": ["修武县"]}, {A, C, D}),
        ({"industries": ["生物医药"]}, {B, C}),
        # One company must meet every condition: C's 修武县 company is not in 软件.
        ({"counties": ["修武县"], "industries": ["软件"]}, set()),
        ({"counties": ["解放区"], "industries": ["软件"]}, {C}),
        ({"above_designated_size": True}, {A}),
        ({"above_designated_size": False}, {B}),
        # Patents: any granted one; none when every count is stated as 0 (C's are unknown).
        ({"has_patents": True}, {A}),
        ({"has_patents": False}, {B}),
        # Companies state no 微型/小型 size: only the subscriber record meets it.
        ({"company_sizes": ["small"]}, {D}),
        ({"company_sizes": ["small"], "counties": ["修武县"]}, {D}),
        ({"counties": ["修武县"], "locales": ["en"]}, set()),
    ],
)
async def test_company_conditions_match_the_registered_companies(
    world: World, raw: dict[str, object], expected: set[int]
) -> None:
    assert await reached(world, raw) == expected


async def test_event_registrants_are_live_registrations_of_subscribers(world: World) -> None:
    assert await reached(world, {"event_id": world.training}) == {A, C}  # E left, F never came
    assert await reached(world, {"event_id": world.matchmaking}) == {C}  # B cancelled
    both = {"event_id": world.training, "counties": ["修武县"]}
    assert await reached(world, both) == {A, C}  # C has a company in 修武县 (another one)


async def test_events_offered_to_aim_at(world: World) -> None:
    async with world.sessions() as session:
        offered = await event_targets(session, NOW)
        titles = {e.id: e.title for e in await session.scalars(select(Event))}
    # Published, not long past; the latest first, with the subscribers each reaches now.
    assert [(e.id, e.reachable) for e in offered] == [(world.matchmaking, 1), (world.training, 2)]
    assert all(e.title == titles[e.id] for e in offered)
    async with world.sessions() as session:
        assert await event_targets(session, NOW + timedelta(days=365)) == []


async def test_a_scheduled_campaign_shows_the_audience_counted_when_it_was_scheduled(
    world: World,
) -> None:
    segment = {"counties": ["修武县", "武陟县"]}
    async with world.sessions() as session:
        draft = Draft("下周推送", "正文", segment, scheduled_at=NOW + timedelta(days=1))
        campaign = await service.create_campaign(session, draft)
        campaign = await service.start_campaign(session, campaign.id, now=NOW)
        await session.commit()
        assert (campaign.status, campaign.targeted) == ("scheduled", 4)
        stats = await service.campaign_stats(session, campaign, NOW)
        assert (stats.targeted, stats.sent, stats.remaining) == (4, 0, 4)
        [listed] = (await service.stats_of_campaigns(session, [campaign], NOW)).values()
        assert listed == stats
        # When its time comes the audience is counted again, as it is then.
        await unsubscribe(session, D)
        assert await service.start_due(session, NOW + timedelta(days=2)) == [campaign.id]
        campaign = await service.get_campaign(session, campaign.id)
        stats = await service.campaign_stats(session, campaign, NOW + timedelta(days=2))
        assert (campaign.status, campaign.targeted, stats.targeted) == ("sending", 3, 3)
        # A cancelled schedule targets nobody.
        other = await service.create_campaign(session, draft)
        other = await service.start_campaign(session, other.id, now=NOW)
        other = await service.cancel_campaign(session, other.id)
        assert (await service.campaign_stats(session, other, NOW)).targeted == 0
