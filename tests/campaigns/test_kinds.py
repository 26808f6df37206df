"""System campaign kinds make their own deliveries through a registry campaigns owns."""

from __future__ import annotations

import pytest

from campaigns import kinds
from campaigns.models import CampaignKind


def test_a_broadcast_uses_its_segment_and_an_unregistered_system_kind_is_an_error() -> None:
    assert kinds.delivery_maker(CampaignKind.BROADCAST.value) is None
    with pytest.raises(LookupError, match="no deliveries registered for campaign kind 'survey'"):
        kinds.delivery_maker("survey")


def test_the_wiring_registers_benefit_notices() -> None:
    from benefits.notify import make_deliveries
    from policydesk import runtime  # noqa: F401  (registers at import)

    assert kinds.delivery_maker(CampaignKind.BENEFIT_NOTICE.value) is make_deliveries
