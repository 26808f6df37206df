"""The delivery policy: what a send's result means for its delivery row.

Pure functions over ``SendResult`` — no aiogram, no database — so the rules are easy to
read and to test: 429 waits ``retry_after`` and does not count as an attempt; 403 blocks
the subscriber for good; a person outside WeChat's 48-hour window is recorded as such;
5xx and failed connections retry with exponential backoff up to ``max_attempts``; a
request whose answer was lost (it may have been delivered: Telegram has no idempotency
key) is counted ``unknown`` and never sent again; any other API error
fails the delivery at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from campaigns.models import DeliveryStatus
from campaigns.store import Change
from core.transport import Outcome, SendResult


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def backoff(self, attempts: int) -> float:
        """Delay before attempt ``attempts + 1``: 1, 2, 4 … s (capped), with ±20 % jitter.

        Never below one second, which also keeps a retried chat within 1 message/s.
        """
        delay = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempts - 1))
        return max(1.0, float(delay) * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not secrets


def decide(
    delivery_id: int, attempts: int, result: SendResult, now: datetime, policy: RetryPolicy
) -> Change:
    """The change to record for a delivery after its ``attempts``-th request returned."""
    match result.outcome:
        case Outcome.SENT:
            return Change(delivery_id, DeliveryStatus.SENT, now, message_id=result.message_id)
        case Outcome.BLOCKED:
            return Change(
                delivery_id,
                DeliveryStatus.BLOCKED,
                now,
                error=result.error,
                subscriber_blocked=True,
            )
        case Outcome.RETRY_AFTER:
            return Change(
                delivery_id,
                DeliveryStatus.PENDING,
                now,
                error=result.error,
                next_attempt_at=now + timedelta(seconds=max(result.retry_after, 1.0)),
                refund_attempt=True,
            )
        case Outcome.UNKNOWN:
            return Change(delivery_id, DeliveryStatus.UNKNOWN, now, error=result.error)
        case Outcome.OUT_OF_WINDOW:
            return Change(delivery_id, DeliveryStatus.OUT_OF_WINDOW, now, error=result.error)
        case Outcome.TRANSIENT if attempts < policy.max_attempts:
            return Change(
                delivery_id,
                DeliveryStatus.PENDING,
                now,
                error=result.error,
                next_attempt_at=now + timedelta(seconds=policy.backoff(attempts)),
            )
        case _:
            return Change(delivery_id, DeliveryStatus.FAILED, now, error=result.error)
