"""Campaign lifecycle: create, start (snapshot of the segment), pause, resume, cancel,
preview and live stats. Officers' front doors (API, bot) call these; workers deliver."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.content import Draft, check_draft, outgoing
from campaigns.kinds import delivery_maker
from campaigns.models import Campaign, CampaignKind, CampaignStatus, Delivery, DeliveryStatus
from campaigns.segments import condition, count_audience, parse_segment
from campaigns.subscribers import Subscriber
from core.db import utcnow
from core.errors import Conflict, NotFound
from core.transport import MessagePort, OutgoingMessage, SendResult

C = CampaignStatus

# The statuses each officer action may start from (anything else is refused).
ALLOWED_FROM: dict[str, tuple[CampaignStatus, ...]] = {
    "pause": (C.SENDING,),
    "resume": (C.PAUSED,),
    "cancel": (C.DRAFT, C.SCHEDULED, C.SENDING, C.PAUSED),
}


class AlreadySubmitted(Conflict):
    """The draft behind a request key was already made into a campaign (a repeat)."""

    code = "campaign_already_submitted"


async def create_campaign(
    session: AsyncSession, draft: Draft, created_by: str = "", request_key: str | None = None
) -> Campaign:
    """A new draft campaign, validated (HTML, image, button, segment) before saving.

    With ``request_key``, a second call for the same key raises ``AlreadySubmitted``
    instead of creating a second campaign, even when both calls race.
    """
    checked = check_draft(draft)
    d = checked.draft
    if request_key is not None:
        existing = await session.scalar(
            select(Campaign.id).where(Campaign.request_key == request_key)
        )
        if existing is not None:
            raise AlreadySubmitted(f"campaign {existing} was already created from this draft")
    campaign = Campaign(
        title=d.title,
        text=d.text,
        image=d.image,
        button_text=d.button_text,
        button_url=d.button_url,
        segment=d.segment,
        scheduled_at=d.scheduled_at,
        status=C.DRAFT.value,
        created_by=created_by[:100],
        request_key=request_key,
    )
    try:
        async with session.begin_nested():
            session.add(campaign)
    except IntegrityError as exc:  # the same key committed meanwhile by another request
        raise AlreadySubmitted("this draft was already made into a campaign") from exc
    return campaign


async def launch_campaign(
    session: AsyncSession, draft: Draft, created_by: str, request_key: str | None = None
) -> Campaign:
    """Create a campaign and start it at once (or schedule it when its time is ahead)."""
    campaign = await create_campaign(session, draft, created_by, request_key)
    return await start_campaign(session, campaign.id)


async def enqueue_system_campaign(
    session: AsyncSession,
    kind: CampaignKind,
    title: str,
    summary: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> Campaign:
    """A campaign the system writes, due now: the next worker pass makes its deliveries
    (from ``payload``, in the worker's transaction) and sends them. Added in the caller's
    transaction, so that it exists exactly when what it is about was committed.

    ``summary`` (Telegram HTML) is what officers see in the list; each recipient gets the
    text made for them (``Delivery.text``). Officers may watch, pause or cancel it; no
    path edits its text.
    """
    now = now or utcnow()
    campaign = Campaign(
        title=title[:200],
        text=summary,
        segment={},
        kind=kind.value,
        payload=payload,
        status=C.SCHEDULED.value,
        scheduled_at=now,
        created_by="system",
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return campaign


async def list_campaigns(
    session: AsyncSession, status: str | None = None, limit: int = 50, offset: int = 0
) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(Campaign.status == status)
    return list((await session.scalars(query)).all())


async def _transition(
    session: AsyncSession, campaign_id: int, allowed: tuple[C, ...], **values: object
) -> Campaign:
    """Move a campaign on only from an allowed status (one guarded UPDATE: races lose)."""
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status.in_(allowed))
        .values(**values)
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    if result.scalar() is None:
        campaign = await get_campaign(session, campaign_id)
        raise Conflict(f"campaign {campaign_id} is {campaign.status}; not possible now")
    return await get_campaign(session, campaign_id)


async def _snapshot(session: AsyncSession, campaign: Campaign, now: datetime) -> int:
    """One pending delivery per subscriber the segment reaches now; the number of them."""
    maker = delivery_maker(campaign.kind)
    if maker is not None:  # a system campaign: its own recipients (campaigns.kinds)
        campaign.targeted = await maker(session, campaign, now)
        await session.flush()
        return campaign.targeted
    segment = parse_segment(campaign.segment)
    audience = select(
        literal(campaign.id),
        Subscriber.id,
        Subscriber.chat_id,
        Subscriber.channel,
        literal(DeliveryStatus.PENDING.value),
        literal(0),
    ).where(condition(segment))
    await session.execute(
        insert(Delivery).from_select(
            ["campaign_id", "subscriber_id", "chat_id", "channel", "status", "attempts"], audience
        )
    )
    targeted = await session.scalar(
        select(func.count(Delivery.id)).where(Delivery.campaign_id == campaign.id)
    )
    campaign.targeted = int(targeted or 0)
    await session.flush()
    return campaign.targeted


async def start_campaign(
    session: AsyncSession, campaign_id: int, now: datetime | None = None
) -> Campaign:
    """Schedule a draft (when its time is in the future) or start sending it now.

    A scheduled campaign keeps the number of subscribers its segment reaches at scheduling
    (``targeted``, shown until it starts); starting counts them again, as they are then.
    """
    now = now or utcnow()
    campaign = await get_campaign(session, campaign_id)
    if campaign.scheduled_at is not None and campaign.scheduled_at > now:
        audience = await count_audience(session, parse_segment(campaign.segment))
        return await _transition(
            session, campaign_id, (C.DRAFT,), status=C.SCHEDULED.value, targeted=audience
        )
    return await _begin(session, campaign_id, (C.DRAFT, C.SCHEDULED), now)


async def _begin(
    session: AsyncSession, campaign_id: int, allowed: tuple[C, ...], now: datetime
) -> Campaign:
    campaign = await _transition(
        session, campaign_id, allowed, status=C.SENDING.value, started_at=now
    )
    await _snapshot(session, campaign, now)
    return campaign


async def start_due(session: AsyncSession, now: datetime) -> list[int]:
    """Start scheduled campaigns whose time has come (workers call this)."""
    due = await session.scalars(
        select(Campaign.id).where(Campaign.status == C.SCHEDULED, Campaign.scheduled_at <= now)
    )
    started = []
    for campaign_id in list(due):
        try:
            await _begin(session, campaign_id, (C.SCHEDULED,), now)
        except Conflict:  # another worker was first
            continue
        started.append(campaign_id)
    return started


async def pause_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    """Stop handing out deliveries; those already in flight finish."""
    return await _transition(session, campaign_id, ALLOWED_FROM["pause"], status=C.PAUSED.value)


async def resume_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    return await _transition(session, campaign_id, ALLOWED_FROM["resume"], status=C.SENDING.value)


async def cancel_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    """Cancel for good: deliveries not yet in flight are cancelled."""
    now = utcnow()
    campaign = await _transition(
        session,
        campaign_id,
        ALLOWED_FROM["cancel"],
        status=C.CANCELLED.value,
        finished_at=now,
    )
    await session.execute(
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
        )
        .values(status=DeliveryStatus.CANCELLED, finished_at=now, worker=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return campaign


@dataclass(frozen=True)
class CampaignStats:
    """A campaign's deliveries by outcome. Before a scheduled campaign starts it has none:
    ``targeted`` and ``remaining`` are then the audience counted when it was scheduled."""

    targeted: int
    sent: int
    blocked: int
    failed: int
    unknown: int
    skipped: int
    cancelled: int
    remaining: int
    rate: float
    duration: float
    out_of_window: int = 0  # WeChat followers who had not written for 48 h
    # The same counts for each channel the campaign went out on ("telegram", "wechat").
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


async def campaign_stats(
    session: AsyncSession, campaign: Campaign, now: datetime | None = None
) -> CampaignStats:
    """Counts by outcome, messages per second and seconds since the start (to the end)."""
    [stats] = (await _stats_of(session, [campaign], now)).values()
    return stats


async def stats_of_campaigns(
    session: AsyncSession, campaigns: Sequence[Campaign], now: datetime | None = None
) -> dict[int, CampaignStats]:
    """The stats of several campaigns (a page of a list) by campaign id, in one query."""
    if not campaigns:
        return {}
    return await _stats_of(session, campaigns, now)


async def _stats_of(
    session: AsyncSession, campaigns: Sequence[Campaign], now: datetime | None = None
) -> dict[int, CampaignStats]:
    """The stats of several campaigns, counted in one query."""
    rows = await session.execute(
        select(
            Delivery.campaign_id,
            Delivery.channel,
            Delivery.status,
            func.count(Delivery.id),
            func.max(Delivery.finished_at),
        )
        .where(Delivery.campaign_id.in_([c.id for c in campaigns]))
        .group_by(Delivery.campaign_id, Delivery.channel, Delivery.status)
    )
    counts: dict[int, dict[str, int]] = {c.id: {} for c in campaigns}
    by_channel: dict[int, dict[str, dict[str, int]]] = {c.id: {} for c in campaigns}
    last_sent: dict[int, datetime] = {}
    for campaign_id, channel, status, count, last in rows.all():
        assert campaign_id is not None  # selected by campaign
        counts[campaign_id][status] = counts[campaign_id].get(status, 0) + int(count)
        by_channel[campaign_id].setdefault(channel, {})[status] = int(count)
        if status == DeliveryStatus.SENT and last is not None:
            last_sent[campaign_id] = max(last, last_sent.get(campaign_id, last))
    moment = now or utcnow()
    return {
        c.id: _stats(c, counts[c.id], last_sent.get(c.id), moment, by_channel[c.id])
        for c in campaigns
    }


def _stats(
    campaign: Campaign,
    counts: dict[str, int],
    last_sent: datetime | None,
    now: datetime,
    by_channel: dict[str, dict[str, int]] | None = None,
) -> CampaignStats:
    S = DeliveryStatus
    # Not started yet: no deliveries; the audience counted at scheduling is all still to go.
    waiting = campaign.targeted if campaign.status == C.SCHEDULED and not counts else 0
    end = campaign.finished_at or now
    duration = (end - campaign.started_at).total_seconds() if campaign.started_at else 0.0
    sent = counts.get(S.SENT, 0)
    span = 0.0
    if last_sent is not None and campaign.started_at is not None:
        span = (last_sent - campaign.started_at).total_seconds()
    return CampaignStats(
        targeted=sum(counts.values()) or waiting,
        sent=sent,
        blocked=counts.get(S.BLOCKED, 0),
        failed=counts.get(S.FAILED, 0),
        unknown=counts.get(S.UNKNOWN, 0),
        skipped=counts.get(S.SKIPPED, 0),
        cancelled=counts.get(S.CANCELLED, 0),
        remaining=sum(counts.get(s, 0) for s in (S.PENDING, S.CLAIMED, S.INFLIGHT)) or waiting,
        rate=round(sent / span, 2) if span > 0 else 0.0,
        duration=round(max(0.0, duration), 2),
        out_of_window=counts.get(S.OUT_OF_WINDOW, 0),
        by_channel=by_channel or {},
    )


@dataclass(frozen=True)
class CampaignResult:
    """A campaign's outcome for the officers' figures."""

    campaign: Campaign
    stats: CampaignStats

    @property
    def delivery_rate(self) -> float:
        """The share of targeted subscribers the message reached."""
        targeted = self.stats.targeted
        return round(self.stats.sent / targeted, 4) if targeted else 0.0


async def campaign_results(
    session: AsyncSession, since: datetime, now: datetime | None = None, limit: int = 100
) -> list[CampaignResult]:
    """Campaigns that sent in the period (started, or finished, at or after ``since``),
    newest first, with their outcome."""
    campaigns = list(
        await session.scalars(
            select(Campaign)
            .where(
                Campaign.started_at.is_not(None),
                (Campaign.started_at >= since)
                | (Campaign.finished_at >= since)
                | Campaign.finished_at.is_(None),
            )
            .order_by(Campaign.started_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    )
    if not campaigns:
        return []
    stats = await _stats_of(session, campaigns, now)
    return [CampaignResult(c, stats[c.id]) for c in campaigns]


async def recent_campaigns(session: AsyncSession, limit: int = 10) -> list[CampaignResult]:
    """The newest campaigns with their stats, counted in one query."""
    campaigns = await list_campaigns(session, limit=limit)
    if not campaigns:
        return []
    stats = await _stats_of(session, campaigns)
    return [CampaignResult(c, stats[c.id]) for c in campaigns]


def message_of(campaign: Campaign) -> OutgoingMessage:
    return outgoing(campaign.text, campaign.image, campaign.button_text, campaign.button_url)


@dataclass(frozen=True)
class Preview:
    message: OutgoingMessage
    plain_text: str
    audience: int


async def preview_draft(session: AsyncSession, draft: Draft) -> Preview:
    """The message a draft will send and how many subscribers its segment reaches now."""
    checked = check_draft(draft)
    d = checked.draft
    audience = await count_audience(session, checked.segment)
    message = outgoing(d.text, d.image, d.button_text, d.button_url)
    return Preview(message, checked.plain, audience)


async def preview_campaign(session: AsyncSession, campaign_id: int) -> Preview:
    """The message as it will go out and how many subscribers the segment reaches now."""
    campaign = await get_campaign(session, campaign_id)
    return await preview_draft(
        session,
        Draft(
            campaign.title,
            campaign.text,
            campaign.segment,
            campaign.image,
            campaign.button_text,
            campaign.button_url,
        ),
    )


async def send_preview(port: MessagePort, preview: Preview, chat_id: int) -> SendResult:
    """Send a preview to one officer's chat, outside the delivery bookkeeping."""
    return await port.send(str(chat_id), preview.message)
