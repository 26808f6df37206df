"""Who makes the deliveries of a system campaign kind.

An officer's broadcast reaches the subscribers its segment selects. A system campaign (a
benefit notice) has its own recipients and a text per recipient: the package that writes
it registers how its deliveries are made, at start-up (``policydesk.runtime``), so
campaigns imports none of those packages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.models import Campaign, CampaignKind

# Adds the pending deliveries of the campaign in this session; returns how many.
DeliveryMaker = Callable[[AsyncSession, Campaign, datetime], Awaitable[int]]
_makers: dict[str, DeliveryMaker] = {}


def register_deliveries(kind: CampaignKind, maker: DeliveryMaker) -> None:
    _makers[kind.value] = maker


def delivery_maker(kind: str) -> DeliveryMaker | None:
    """The registered maker of a system kind; None for a broadcast. A system kind nobody
    registered is an error of the wiring, said plainly rather than sent to a segment."""
    if kind == CampaignKind.BROADCAST.value:
        return None
    maker = _makers.get(kind)
    if maker is None:
        raise LookupError(f"no deliveries registered for campaign kind {kind!r}")
    return maker
