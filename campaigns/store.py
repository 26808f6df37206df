"""Delivery rows in the database: claims with leases, in-flight marks, outcomes, reaping.

A row is a campaign's delivery or a service message with no campaign (the outbox, see
``campaigns.outbox``); a worker claims only rows of the channels it has a transport for.

Every state change is a conditional UPDATE, so that two workers can never both move the
same row to ``inflight``: a row is sent only by the worker whose claim it still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.models import OPEN_DELIVERY, Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.subscribers import Subscriber

S = DeliveryStatus


@dataclass(frozen=True)
class Claimed:
    id: int
    campaign_id: int | None  # None: a service message
    address: str  # the channel's address: a Telegram chat id, web chat id, WeChat openid
    attempts: int
    text: str | None = None  # the recipient's own text, when the campaign has one per chat
    channel: str = "telegram"
    header_key: str | None = None


def _sendable(
    now: datetime, channels: Sequence[str] | None, campaigns: bool = True
) -> ColumnElement[bool]:
    """Pending rows due now, of a sending campaign (unless ``campaigns`` is False) or of
    no campaign, on these channels."""
    owner = (
        or_(Delivery.campaign_id.is_(None), Campaign.status == CampaignStatus.SENDING)
        if campaigns
        else Delivery.campaign_id.is_(None)
    )
    condition = and_(
        Delivery.status == S.PENDING,
        owner,
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
    )
    if channels is not None:
        condition = and_(condition, Delivery.channel.in_(list(channels)))
    return condition


def _address() -> ColumnElement[str]:
    return func.coalesce(Delivery.address, sql_cast(Delivery.chat_id, String))


@dataclass(frozen=True)
class Change:
    """An outcome to record for one in-flight delivery."""

    id: int
    status: DeliveryStatus
    at: datetime
    message_id: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None
    refund_attempt: bool = False  # a 429 was not a real attempt
    subscriber_blocked: bool = False


async def claim(
    session: AsyncSession,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    channels: Sequence[str] | None = None,
    campaigns: bool = True,
) -> list[Claimed]:
    """Lease up to ``limit`` due pending deliveries (of sending campaigns, or service
    messages) on ``channels`` (all when None) to ``worker``. Service messages come first:
    an officer's answer does not wait behind a campaign to ten thousand subscribers."""
    due = (
        select(
            Delivery.id,
            Delivery.campaign_id,
            _address(),
            Delivery.attempts,
            Delivery.text,
            Delivery.channel,
            Delivery.header_key,
        )
        .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
        .where(_sendable(now, channels, campaigns))
        .order_by(Delivery.campaign_id.is_not(None), Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    rows = [Claimed(*row) for row in (await session.execute(due)).all()]
    if rows:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_([r.id for r in rows]))
            .values(status=S.CLAIMED, worker=worker, lease_until=now + lease)
        )
    return rows


async def admit(
    session: AsyncSession, worker: str, ids: Sequence[int], now: datetime, lease: timedelta
) -> tuple[list[int], int]:
    """Move this worker's claimed rows to ``inflight`` when they may still be sent.

    Honours what happened since the snapshot: unsubscribed → skipped, blocked → blocked,
    campaign paused → back to pending, cancelled → cancelled. Returns the ids to send now
    and the number of deliveries closed as blocked.
    """
    rows = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.campaign_id,
                Subscriber.subscribed,
                Subscriber.blocked,
                Campaign.status,
            )
            .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
            .where(Delivery.id.in_(ids), Delivery.status == S.CLAIMED, Delivery.worker == worker)
        )
    ).all()
    moves: dict[DeliveryStatus, list[int]] = {}
    for delivery_id, campaign_id, subscribed, blocked, campaign_status in rows:
        if campaign_id is None:
            target = S.INFLIGHT  # a service message: asked for, so always wanted
        elif campaign_status == CampaignStatus.CANCELLED:
            target = S.CANCELLED
        elif campaign_status != CampaignStatus.SENDING:
            target = S.PENDING
        elif blocked:
            target = S.BLOCKED
        elif not subscribed:
            target = S.SKIPPED
        else:
            target = S.INFLIGHT
        moves.setdefault(target, []).append(delivery_id)
    mine = and_(Delivery.status == S.CLAIMED, Delivery.worker == worker)
    go: list[int] = []
    closed_blocked = 0
    for target, target_ids in moves.items():
        stmt = update(Delivery).where(Delivery.id.in_(target_ids), mine)
        if target == S.INFLIGHT:
            result = await session.execute(
                stmt.values(
                    status=S.INFLIGHT,
                    lease_until=now + lease,
                    attempted_at=now,
                    attempts=Delivery.attempts + 1,
                ).returning(Delivery.id)
            )
            go = list(result.scalars())
        elif target == S.PENDING:
            await session.execute(stmt.values(status=S.PENDING, worker=None, lease_until=None))
        else:
            closed = await session.execute(
                stmt.values(status=target, finished_at=now, lease_until=None, error="not sent")
            )
            if target == S.BLOCKED:
                closed_blocked = int(closed.rowcount or 0)  # type: ignore[attr-defined]
    return go, closed_blocked


async def record(session: AsyncSession, worker: str, changes: Sequence[Change]) -> None:
    """Record outcomes of this worker's sends (also over ``unknown``: the truth wins)."""
    if not changes:
        return
    params: list[dict[str, Any]] = [
        {
            "b_id": c.id,
            "b_status": c.status.value,
            "b_finished": None if c.status == S.PENDING else c.at,
            "b_message_id": c.message_id,
            "b_error": c.error[:300] if c.error else None,
            "b_next": c.next_attempt_at,
            "b_refund": 1 if c.refund_attempt else 0,
            "b_worker": None if c.status == S.PENDING else worker,
        }
        for c in changes
    ]
    table = cast(Table, Delivery.__table__)
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.worker == worker,
            # executemany cannot expand IN lists
            or_(table.c.status == S.INFLIGHT.value, table.c.status == S.UNKNOWN.value),
        )
        .values(
            status=bindparam("b_status"),
            finished_at=bindparam("b_finished"),
            message_id=bindparam("b_message_id"),
            error=bindparam("b_error"),
            next_attempt_at=bindparam("b_next"),
            attempts=table.c.attempts - bindparam("b_refund"),
            worker=bindparam("b_worker"),
            lease_until=None,
        )
    )
    await session.execute(stmt, params)
    blocked = [c.id for c in changes if c.subscriber_blocked]
    if blocked:
        await session.execute(
            update(Subscriber)
            .where(
                Subscriber.id.in_(select(Delivery.subscriber_id).where(Delivery.id.in_(blocked))),
                Subscriber.blocked.is_(False),
            )
            .values(blocked=True, blocked_at=changes[0].at)
            .execution_options(synchronize_session=False)
        )


async def release(session: AsyncSession, worker: str, ids: Sequence[int]) -> None:
    """Give back claimed rows this worker will not get to (shutting down)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == S.CLAIMED, Delivery.worker == worker)
        .values(status=S.PENDING, worker=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def reap(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Expired leases: claimed rows go back to pending (they were never sent); in-flight
    rows become unknown (the request may have reached Telegram). Returns both counts."""
    released = await session.execute(
        update(Delivery)
        .where(Delivery.status == S.CLAIMED, Delivery.lease_until < now)
        .values(status=S.PENDING, worker=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    lost = await session.execute(
        update(Delivery)
        .where(Delivery.status == S.INFLIGHT, Delivery.lease_until < now)
        .values(status=S.UNKNOWN, finished_at=now, error="worker lost during the request")
        .execution_options(synchronize_session=False)
    )
    return int(released.rowcount or 0), int(lost.rowcount or 0)  # type: ignore[attr-defined]


async def finish_done(session: AsyncSession, now: datetime) -> list[int]:
    """Mark sending campaigns with no open delivery left as done; their ids."""
    open_rows = exists().where(
        Delivery.campaign_id == Campaign.id, Delivery.status.in_(OPEN_DELIVERY)
    )
    result = await session.execute(
        update(Campaign)
        .where(Campaign.status == CampaignStatus.SENDING, ~open_rows)
        .values(status=CampaignStatus.DONE, finished_at=now)
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def needs_housekeeping(session: AsyncSession, now: datetime) -> bool:
    """Read-only: is there a campaign due, sending, or a lease expired? An idle worker
    must not take SQLite's write lock every poll (it would starve deferred writers).
    Service messages need no housekeeping beyond their leases."""
    campaign = await session.scalar(
        select(Campaign.id)
        .where(
            or_(
                Campaign.status == CampaignStatus.SENDING,
                and_(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now),
            )
        )
        .limit(1)
    )
    if campaign is not None:
        return True
    expired = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.status.in_([S.CLAIMED, S.INFLIGHT]),
            Delivery.lease_until < now,
        )
        .limit(1)
    )
    return expired is not None


async def has_claimable(
    session: AsyncSession,
    now: datetime,
    channels: Sequence[str] | None = None,
    campaigns: bool = True,
) -> bool:
    """Read-only: is any delivery on ``channels`` ready to be claimed?"""
    found = await session.scalar(
        select(Delivery.id)
        .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
        .where(_sendable(now, channels, campaigns))
        .limit(1)
    )
    return found is not None


async def queue_depth(session: AsyncSession) -> int:
    """Read-only: deliveries not sent yet (pending or claimed), of sending campaigns or
    service messages."""
    count = await session.scalar(
        select(func.count(Delivery.id))
        .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Delivery.status.in_([S.PENDING, S.CLAIMED]),
            or_(Delivery.campaign_id.is_(None), Campaign.status == CampaignStatus.SENDING),
        )
    )
    return int(count or 0)


async def has_open_work(session: AsyncSession, channels: Sequence[str] | None = None) -> bool:
    """Whether any campaign is scheduled or sending, or a service message on ``channels``
    is still open (the worker's idle test)."""
    found = await session.scalar(
        select(Campaign.id)
        .where(Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.SCHEDULED]))
        .limit(1)
    )
    if found is not None:
        return True
    message = select(Delivery.id).where(
        Delivery.campaign_id.is_(None), Delivery.status.in_(OPEN_DELIVERY)
    )
    if channels is not None:
        message = message.where(Delivery.channel.in_(list(channels)))
    return await session.scalar(message.limit(1)) is not None
