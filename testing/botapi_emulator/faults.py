"""Fault injection, blocked users and rate limits (mixed into ``BotAPIEmulator``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .limits import RateLimiter
from .models import (
    RATE_LIMITED_METHODS,
    SEND_METHODS,
    APIError,
    Fault,
    RateLimits,
    too_many_requests,
)
from .state import BotState, now

BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the group chat"
DEACTIVATED = "Forbidden: user is deactivated"


class FaultsMixin:
    """Makes the emulator misbehave on purpose."""

    faults: list[Fault]
    """Queued faults, FIFO; a fault leaves the list when its ``times`` are used up."""
    blocked: dict[int | str, str]
    """Chats whose sends fail with 403, and the description used."""
    limiter: RateLimiter
    latency: float
    chats: dict[int | str, dict[str, Any]]

    if TYPE_CHECKING:  # provided by RegistryMixin / UserActionsMixin

        def bot_state(self, token: str | None = None) -> BotState: ...
        def add_group(
            self, chat_id: int, title: str = ..., *, chat_type: str = ...
        ) -> dict[str, Any]: ...
        def _user(self, user_id: int) -> dict[str, Any]: ...
        def _chat(self, user_id: int, chat_id: int | None, chat_type: str) -> dict[str, Any]: ...

    def check_send(self, bot: BotState, chat: dict[str, Any], method: str) -> None:
        """403 for blocked/deactivated chats, 429 when a rate limit would be exceeded."""
        if method in SEND_METHODS and chat["id"] in self.blocked:
            raise APIError(403, self.blocked[chat["id"]])
        if method in RATE_LIMITED_METHODS:
            retry = self.limiter.check(
                bot.token, chat["id"], chat["type"] in ("group", "supergroup")
            )
            if retry is not None:
                raise too_many_requests(retry)

    # --- faults and limits --------------------------------------------------------------
    def inject(
        self,
        method: str | None = None,
        *,
        status: int | None = 500,
        times: int = 1,
        chat_id: int | str | None = None,
        token: str | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        delivered: bool = False,
    ) -> Fault:
        """Queue a fault: the next ``times`` matching calls (method/chat/token, None = any)
        answer ``status`` (default description per status; 429 carries ``retry_after``).
        ``status=None`` drops the connection. Faults match in FIFO order. With
        ``delivered`` the call is carried out before the fault answers (the answer is lost
        on the way back, or comes after ``delay``, past the client's timeout)."""
        fault = Fault(
            method, status, times, chat_id, token, description, retry_after, delay, delivered
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget all queued faults."""
        self.faults.clear()

    def _take_fault(self, token: str, method: str, chat_id: Any) -> Fault | None:
        for fault in self.faults:
            if fault.matches(token, method, chat_id):
                fault.times -= 1
                fault.hits += 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    @property
    def rate_limits(self) -> RateLimits:
        """Current limits (assign or use ``set_rate_limits`` to change; history resets)."""
        return self.limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits) -> None:
        self.limiter.configure(limits)

    def set_rate_limits(
        self,
        global_per_second: int | None = None,
        per_chat_per_second: int | None = None,
        per_group_per_minute: int | None = None,
        retry_after: int | None = None,
    ) -> RateLimits:
        """Replace the rate limits (all None: no limits)."""
        self.rate_limits = RateLimits(
            global_per_second, per_chat_per_second, per_group_per_minute, retry_after
        )
        return self.rate_limits

    def set_latency(self, seconds: float) -> None:
        """Artificial delay before every Bot API answer."""
        self.latency = float(seconds)

    # --- blocking -----------------------------------------------------------------------
    def _member_update(self, chat_id: int | str, old: str, new: str, token: str | None) -> None:
        bot = self.bot_state(token)
        cid = int(chat_id)
        chat = self.chats.get(cid) or (
            self._chat(cid, None, "private") if cid > 0 else self.add_group(cid)
        )
        user = self._user(cid if cid > 0 else 777000)  # groups: Telegram's service account

        def member(status: str) -> dict[str, Any]:
            return {
                "status": status,
                "user": bot.user,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        bot.enqueue(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": now(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def block(self, chat_id: int | str, *, notify: bool = False, token: str | None = None) -> None:
        """Sends to ``chat_id`` fail with 403 (blocked by user / kicked from group), for every
        bot. ``notify`` queues the ``my_chat_member`` (member -> kicked) update Telegram sends."""
        self.blocked[int(chat_id)] = KICKED if int(chat_id) < 0 else BLOCKED
        if notify:
            self._member_update(chat_id, "member", "kicked", token)

    def unblock(
        self, chat_id: int | str, *, notify: bool = False, token: str | None = None
    ) -> None:
        """Undo ``block``/``deactivate``; ``notify`` queues my_chat_member (kicked -> member)."""
        self.blocked.pop(int(chat_id), None)
        if notify:
            self._member_update(chat_id, "kicked", "member", token)

    def deactivate(self, user_id: int) -> None:
        """Sends to this user fail with 403 ``Forbidden: user is deactivated``."""
        self.blocked[user_id] = DEACTIVATED
