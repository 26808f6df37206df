"""``/api/v1/admin/campaigns``: officers create, start, pause, resume, cancel and watch
publicity campaigns. Parse → call ``campaigns.service`` → render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field, StrictInt
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentOfficer, RuntimeDep, SessionDep, WriteSessionDep
from campaigns import service
from campaigns.content import Draft
from campaigns.event_targets import event_targets
from campaigns.models import Campaign, CampaignKind
from campaigns.segments import count_audience, parse_segment
from campaigns.service import CampaignStats
from core.db import utcnow
from core.errors import Conflict
from core.fields import required_text
from core.outbox import TELEGRAM
from core.transport import MessagePort

router = APIRouter(prefix="/api/v1/admin/campaigns", tags=["admin: campaigns"])


def port_factory(runtime: RuntimeDep) -> Callable[[], MessagePort]:
    """Makes the Telegram transport previews go through (tests override this dependency)."""

    def make() -> MessagePort:
        port = runtime.transports(only=[TELEGRAM]).get(TELEGRAM)
        if port is None:
            raise Conflict("no bot token configured (POLICYDESK_BOT_TOKEN)")
        return port

    return make


PortFactory = Annotated[Callable[[], MessagePort], Depends(port_factory)]


SEGMENT_HELP = (
    "counties, industries, company_sizes, above_designated_size, has_patents, locales, "
    "event_id (from GET /api/v1/admin/campaigns/audience/events); {} = all subscribers. "
    "The company keys match the companies a subscriber registered for events (one company "
    "meeting all of them) or the subscriber record; company_sizes only the record."
)


class CampaignIn(BaseModel):
    title: Annotated[str, required_text(200)]
    text: Annotated[str, required_text(20000)] = Field(description="Telegram HTML")
    segment: dict[str, Any] = Field(
        default_factory=dict,
        description=SEGMENT_HELP,
    )
    image: str | None = Field(None, max_length=1000, description="https URL or file id")
    button_text: str | None = Field(None, max_length=64)
    button_url: str | None = Field(None, max_length=1000)
    scheduled_at: datetime | None = None


class StatsOut(BaseModel):
    targeted: int
    sent: int
    blocked: int
    failed: int
    unknown: int
    skipped: int
    cancelled: int
    remaining: int
    rate: float = Field(description="messages sent per second")
    duration: float = Field(description="seconds since the start (to the end)")
    out_of_window: int = Field(
        0, description="WeChat followers who had not written in 48 hours (not reachable)"
    )
    by_channel: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description='deliveries by channel and outcome, e.g. {"wechat": {"sent": 12}}',
    )


class CampaignOut(BaseModel):
    id: int
    title: str
    text: str
    image: str | None
    button_text: str | None
    button_url: str | None
    segment: dict[str, Any]
    status: Literal["draft", "scheduled", "sending", "paused", "done", "cancelled"]
    scheduled_at: datetime | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    kind: Literal["broadcast", "benefit_notice"] = Field(
        description="broadcast: written by officers; benefit_notice: a system campaign telling "
        "companies which new or changed rules fit them (its text is made per recipient and "
        "cannot be edited; `text` shows a sample)"
    )
    system: bool = Field(description="made by the system, not by an officer")
    stats: StatsOut


class PreviewIn(BaseModel):
    chat_id: StrictInt | None = Field(None, description="also send the preview to this chat")


class PreviewOut(BaseModel):
    text: str
    plain_text: str
    image: str | None
    button_text: str | None
    button_url: str | None
    audience: int = Field(description="subscribers the segment reaches now")
    sent_to: int | None = None
    outcome: str | None = None


class AudienceIn(BaseModel):
    segment: dict[str, Any] = Field(default_factory=dict, description=SEGMENT_HELP)


class AudienceOut(BaseModel):
    audience: int = Field(description="subscribers the segment reaches now")


class EventTargetOut(BaseModel):
    id: int
    title: str
    starts_at: datetime
    reachable: int = Field(description="subscribed chats registered for it now")


async def render(session: AsyncSession, campaign: Campaign) -> CampaignOut:
    return render_with(campaign, await service.campaign_stats(session, campaign))


def render_with(campaign: Campaign, stats: CampaignStats) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        title=campaign.title,
        text=campaign.text,
        image=campaign.image,
        button_text=campaign.button_text,
        button_url=campaign.button_url,
        segment=campaign.segment,
        status=campaign.status,
        scheduled_at=campaign.scheduled_at,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        started_at=campaign.started_at,
        finished_at=campaign.finished_at,
        kind=campaign.kind,
        system=campaign.kind != CampaignKind.BROADCAST,
        stats=StatsOut(**stats.to_json()),
    )


@router.post("", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
async def create(
    body: CampaignIn, session: WriteSessionDep, officer: CurrentOfficer
) -> CampaignOut:
    draft = Draft(**body.model_dump())
    campaign = await service.create_campaign(session, draft, created_by=officer.name or "")
    return await render(session, campaign)


@router.get("", response_model=list[CampaignOut])
async def list_all(
    session: SessionDep,
    _officer: CurrentOfficer,
    status_: Annotated[str | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CampaignOut]:
    rows = await service.list_campaigns(session, status_, limit, offset)
    stats = await service.stats_of_campaigns(session, rows)  # the whole page in one query
    return [render_with(row, stats[row.id]) for row in rows]


@router.post("/audience", response_model=AudienceOut)
async def audience(body: AudienceIn, session: SessionDep, _officer: CurrentOfficer) -> AudienceOut:
    """How many subscribers a segment reaches now (what the bot's audience screen shows)."""
    return AudienceOut(audience=await count_audience(session, parse_segment(body.segment)))


@router.get("/audience/events", response_model=list[EventTargetOut])
async def audience_events(session: SessionDep, _officer: CurrentOfficer) -> list[EventTargetOut]:
    """The events whose registrants a campaign may aim at (``segment.event_id``)."""
    rows = await event_targets(session, utcnow())
    return [EventTargetOut(**row.__dict__) for row in rows]


@router.get("/{campaign_id:id}", response_model=CampaignOut)
async def show(campaign_id: int, session: SessionDep, _officer: CurrentOfficer) -> CampaignOut:
    return await render(session, await service.get_campaign(session, campaign_id))


@router.post("/{campaign_id:id}/start", response_model=CampaignOut)
async def start(
    campaign_id: int, session: WriteSessionDep, _officer: CurrentOfficer
) -> CampaignOut:
    """Schedule the campaign, or snapshot its segment and start sending now."""
    return await render(session, await service.start_campaign(session, campaign_id))


@router.post("/{campaign_id:id}/pause", response_model=CampaignOut)
async def pause(
    campaign_id: int, session: WriteSessionDep, _officer: CurrentOfficer
) -> CampaignOut:
    return await render(session, await service.pause_campaign(session, campaign_id))


@router.post("/{campaign_id:id}/resume", response_model=CampaignOut)
async def resume(
    campaign_id: int, session: WriteSessionDep, _officer: CurrentOfficer
) -> CampaignOut:
    return await render(session, await service.resume_campaign(session, campaign_id))


@router.post("/{campaign_id:id}/cancel", response_model=CampaignOut)
async def cancel(
    campaign_id: int, session: WriteSessionDep, _officer: CurrentOfficer
) -> CampaignOut:
    return await render(session, await service.cancel_campaign(session, campaign_id))


@router.post("/{campaign_id:id}/preview", response_model=PreviewOut)
async def preview(
    campaign_id: int,
    body: PreviewIn,
    session: SessionDep,
    _officer: CurrentOfficer,
    make_port: PortFactory,
) -> PreviewOut:
    """The message as recipients will see it and the audience size; with ``chat_id``, also
    sent to that chat (the officer's own) through the bot."""
    shown = await service.preview_campaign(session, campaign_id)
    out = PreviewOut(
        text=shown.message.text,
        plain_text=shown.plain_text,
        image=shown.message.image,
        button_text=shown.message.button_text,
        button_url=shown.message.button_url,
        audience=shown.audience,
    )
    if body.chat_id is not None:
        port = make_port()
        try:
            result = await service.send_preview(port, shown, body.chat_id)
        finally:
            await port.close()
        out.sent_to, out.outcome = body.chat_id, result.outcome.value
    return out
