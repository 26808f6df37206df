"""How often the admin login may be tried: per username and per client address.

Every attempt is counted before its password is checked, in the app's rate store
(``api.limits``: Redis when configured, so every replica sees the same counts; memory
otherwise), and a successful one is given back. Counting first means a burst of
simultaneous guesses cannot all slip in before the first failure is recorded. Once either
count is used up, attempts are refused unchecked until it refills, the right password
included, and the refusal says how long to wait.

The per-username limit stops guessing one account from many addresses; the per-address
limit stops one client guessing across many usernames. Logins with an API token have no
username to count against: only their address is counted.
"""

from __future__ import annotations

import logging
import math

from api.limits import Rate, RateStore

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, store: RateStore, per_account: Rate, per_address: Rate) -> None:
        self.store, self.per_account, self.per_address = store, per_account, per_address

    def _charges(self, username: str | None, address: str) -> list[tuple[str, Rate]]:
        charges = [(f"login:address:{address}", self.per_address)]
        if username is not None:
            charges.append((f"login:account:{username[:80]}", self.per_account))
        return charges

    async def admit(self, username: str | None, address: str) -> float:
        """Count an attempt; 0 when it may go ahead, else the seconds to wait.

        ``username`` is None for a login with an API token. A refused attempt costs the
        other count nothing: nobody's account fills up by being tried from a locked address.
        """
        charged: list[tuple[str, Rate]] = []
        for key, rate in self._charges(username, address):
            wait = await self.store.hit(key, rate)
            if wait > 0:
                for done, done_rate in charged:
                    await self.store.refund(done, done_rate)
                log.warning(
                    "admin login refused unchecked: %s is locked for %d s", key, math.ceil(wait)
                )
                return wait
            charged.append((key, rate))
        return 0.0

    async def succeeded(self, username: str | None, address: str) -> None:
        """A login that was right does not count against anyone."""
        for key, rate in self._charges(username, address):
            await self.store.refund(key, rate)


def locked_message(wait: float) -> str:
    """When to try again, in whole minutes."""
    minutes = max(1, math.ceil(wait / 60))
    return f"登录失败次数过多，请 {minutes} 分钟后再试。"
