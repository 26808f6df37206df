"""Webhook delivery: POST pending updates one by one, retrying until the target answers 2xx.

The answer body may carry a "webhook reply" (a method call as JSON or as a multipart form
with a ``method`` field, which is what aiogram's ``SimpleRequestHandler`` sends when
``handle_in_background=False``); it is executed like a normal call, recorded with
``via="webhook-reply"``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .models import UploadedFile
from .state import BotState, now

if TYPE_CHECKING:
    from .server import BotAPIEmulator


@dataclass
class Delivery:
    """One webhook POST attempt."""

    token: str
    update_id: int
    url: str
    status: int | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view."""
        return dict(self.__dict__)


async def _read_reply(
    resp: aiohttp.ClientResponse,
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    fields: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if resp.content_type == "application/json":
        body = await resp.json(content_type=None)
        if isinstance(body, dict):
            fields.update(body)
    elif resp.content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader.from_response(resp)
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                continue
            if part.filename:
                ctype = part.headers.get(aiohttp.hdrs.CONTENT_TYPE)
                files[part.name] = UploadedFile(part.filename, ctype, bytes(await part.read()))
            else:
                fields[part.name] = await part.text()
    return fields, files


async def deliver_forever(
    emu: BotAPIEmulator, bot: BotState, session: aiohttp.ClientSession
) -> None:
    """Task body: runs until cancelled (``deleteWebhook``, a new ``setWebhook`` or stop)."""
    while True:
        hook = bot.webhook
        if hook is None:
            return
        if not bot.pending:
            await bot.wait(3600)
            continue
        update = bot.pending[0]
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        attempt = Delivery(bot.token, update["update_id"], hook.url, None)
        emu.webhook_deliveries.append(attempt)
        try:
            timeout = aiohttp.ClientTimeout(total=emu.webhook_timeout)
            async with session.post(
                hook.url, data=json.dumps(update), headers=headers, timeout=timeout
            ) as resp:
                attempt.status = resp.status
                if 200 <= resp.status < 300:
                    fields, files = await _read_reply(resp)
                else:
                    fields, files = {}, {}
                    attempt.error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
        if attempt.error is not None:
            hook.last_error_date = now()
            hook.last_error_message = attempt.error
            await asyncio.sleep(emu.webhook_retry_delay)
            continue
        if bot.pending and bot.pending[0] is update:
            bot.pending.pop(0)
        emu.notify()
        method = fields.pop("method", None)
        if method:
            await emu.execute(bot.token, str(method), fields, files, via="webhook-reply")
