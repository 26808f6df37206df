"""``EmulatorClient``: drive an emulator running in another process over ``/_emu``."""

from __future__ import annotations

from typing import Any

import aiohttp


class EmulatorError(RuntimeError):
    """A ``/_emu`` action failed (bad arguments, unknown action, or a wait timed out)."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"{status}: {error}")
        self.status = status


class EmulatorClient:
    """Async client for the ``/_emu/<action>`` control API.

    Results are the JSON forms of the in-process API (RecordedCall -> dict, etc.)::

        async with EmulatorClient("http://127.0.0.1:8081") as emu:
            await emu.send_text(42, "/start")
            msg = await emu.wait_for_message(42, contains="欢迎")
    """

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the underlying HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, action: str, **kwargs: Any) -> Any:
        """POST ``kwargs`` (None values dropped) to ``/_emu/<action>``; return ``result``."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        body = {k: v for k, v in kwargs.items() if v is not None}
        if isinstance(body.get("data"), bytes):
            body["data"] = body["data"].decode("utf-8", "replace")
        async with self._session.post(f"{self.base_url}/_emu/{action}", json=body) as resp:
            payload = await resp.json()
        if not payload.get("ok"):
            raise EmulatorError(resp.status, str(payload.get("error")))
        return payload.get("result")

    # Thin typed wrappers for the common actions (any other action: ``call``).
    async def health(self) -> dict[str, Any]:
        """``{"base_url", "bots", "default_token"}``."""
        return dict(await self.call("health"))

    async def add_user(
        self, user_id: int, first_name: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        """See ``BotAPIEmulator.add_user``."""
        return dict(await self.call("add_user", user_id=user_id, first_name=first_name, **kw))

    async def send_text(self, user_id: int, text: str, **kw: Any) -> dict[str, Any] | None:
        """See ``BotAPIEmulator.send_text``; returns the queued update."""
        result = await self.call("send_text", user_id=user_id, text=text, **kw)
        return dict(result) if result is not None else None

    async def tap(
        self, user_id: int, message_id: int, data: str | None = None, **kw: Any
    ) -> dict[str, Any] | None:
        """See ``BotAPIEmulator.tap``."""
        result = await self.call("tap", user_id=user_id, message_id=message_id, data=data, **kw)
        return dict(result) if result is not None else None

    async def wait_for_message(
        self,
        chat_id: int | str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented API takes a timeout
        contains: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """See ``BotAPIEmulator.wait_for_message`` (no predicate over HTTP: use ``contains``)."""
        return dict(
            await self.call(
                "wait_for_message", chat_id=chat_id, timeout=timeout, contains=contains, token=token
            )
        )

    async def sent(
        self, chat_id: int | str | None = None, *, method: str | None = None
    ) -> list[dict[str, Any]]:
        """Recorded successful calls to ``chat_id`` as dicts."""
        return list(await self.call("sent", chat_id=chat_id, method=method))

    async def delivered_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts/captions delivered to ``chat_id``."""
        return list(await self.call("delivered_texts", chat_id=chat_id))

    async def stats(self) -> dict[str, Any]:
        """Counters: requests, methods, statuses, rate_limited, pending_updates."""
        return dict(await self.call("stats"))

    async def inject(
        self, method: str | None = None, *, status: int | None = 500, times: int = 1, **kw: Any
    ) -> dict[str, Any]:
        """See ``BotAPIEmulator.inject`` (``status=None`` cannot be sent: use the Python API)."""
        return dict(await self.call("inject", method=method, status=status, times=times, **kw))

    async def block(self, chat_id: int, *, notify: bool = False) -> None:
        """See ``BotAPIEmulator.block``."""
        await self.call("block", chat_id=chat_id, notify=notify)

    async def set_rate_limits(self, **limits: int | None) -> dict[str, Any]:
        """See ``BotAPIEmulator.set_rate_limits``."""
        return dict(await self.call("set_rate_limits", **limits))
