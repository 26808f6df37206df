"""The emulator object: aiohttp server lifecycle, request pipeline, faults and limits."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any, NoReturn

import aiohttp
from aiohttp import web

from . import api_messages, api_misc
from .api_common import Ctx, Handler
from .control import attach_control
from .faults import FaultsMixin
from .inspection import InspectionMixin
from .limits import RateLimiter
from .models import (
    DEFAULT_TOKEN,
    RATE_LIMITED_METHODS,
    APIError,
    Fault,
    RateLimits,
    RecordedCall,
    StoredFile,
    UploadedFile,
)  # fmt: skip
from .params import decode_params, files_by_field, read_request
from .registry import RegistryMixin
from .state import BotState
from .user_media import MediaActionsMixin
from .webhook import Delivery, deliver_forever

HANDLERS: dict[str, Handler] = {**api_messages.HANDLERS, **api_misc.HANDLERS}
"""Implemented Bot API methods by canonical name (lookup is case-insensitive)."""
_BY_LOWER = {name.lower(): name for name in HANDLERS}
logger = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")


class _DropConnection(Exception):
    """An injected fault with ``status=None``: close the socket without answering."""


class BotAPIEmulator(RegistryMixin, FaultsMixin, MediaActionsMixin, InspectionMixin):
    """A Telegram Bot API server on loopback for tests (any number of bot tokens).

    ``async with BotAPIEmulator() as emu:`` starts it on a free port; point aiogram at
    ``TelegramAPIServer.from_base(emu.base_url)`` (or use ``make_bot(emu)``).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limits: RateLimits | None = None,
        latency: float = 0.0,
        default_token: str = DEFAULT_TOKEN,
        tokens: Iterable[str] | None = None,
        strict_chats: bool = False,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
    ) -> None:
        """
        :param rate_limits: flood limits (default: none).
        :param latency: seconds slept before answering every Bot API request.
        :param default_token: bot used by user-side helpers when no ``token=`` is given.
        :param tokens: if given, only these tokens are accepted (others: 401 Unauthorized);
            otherwise any well-formed ``<digits>:<chars>`` token works.
        :param strict_chats: unknown chat ids give 400 ``chat not found`` instead of being
            created on the fly (positive id: private chat, negative: group).
        :param webhook_retry_delay: pause before re-POSTing an update the webhook refused.
        :param webhook_timeout: seconds to wait for the webhook's answer.
        """
        self.host, self.port = host, port
        self.latency = latency
        self.default_token = default_token
        self.tokens = set(tokens) if tokens is not None else None
        self.strict_chats = strict_chats
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.limiter = RateLimiter(rate_limits)
        self.faults: list[Fault] = []
        self.closing = False
        self.bots: dict[str, BotState] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int | str, dict[str, Any]] = {}
        self.blocked: dict[int | str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self.requests: list[RecordedCall] = []
        self._ok_by_chat: dict[str, list[RecordedCall]] = {}
        self.method_counts: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.webhook_deliveries: list[Delivery] = []
        self._seen_messages: set[tuple[str, Any, int]] = set()
        self._seen_calls: set[int] = set()
        self._activity = asyncio.Event()
        self._seq = itertools.count(1)
        self._file_seq = itertools.count(1)
        self._callback_ids = itertools.count(4_000_000_000_000_001)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- lifecycle ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://host:port`` — give it to ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> BotAPIEmulator:
        """Bind and start serving (``port=0`` picks a free port, then ``self.port`` is set)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        attach_control(app, self)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(
            app, shutdown_timeout=1.0, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        self.closing = False
        return self

    async def stop(self) -> None:
        """Stop serving: ends long polls, cancels webhook delivery, closes sockets."""
        self.closing = True
        for bot in self.bots.values():
            await self.stop_webhook(bot)
            bot.wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def reset(self) -> None:
        """Clear the request log, counters, deliveries and ``wait_for_*`` bookkeeping
        (users, chats, messages, faults, blocks and limits stay)."""
        self.requests.clear()
        self._ok_by_chat.clear()
        self.method_counts.clear()
        self.status_counts.clear()
        self.webhook_deliveries.clear()
        self._seen_messages.clear()
        self._seen_calls.clear()

    # --- webhook ------------------------------------------------------------------------
    def start_webhook(self, bot: BotState) -> None:
        """Start the delivery task for ``bot.webhook``."""
        assert self._session is not None, "emulator not started"
        bot.webhook_task = asyncio.create_task(deliver_forever(self, bot, self._session))

    async def stop_webhook(self, bot: BotState) -> None:
        """Remove the webhook and stop its delivery task."""
        bot.webhook = None
        task, bot.webhook_task = bot.webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # --- request pipeline ---------------------------------------------------------------
    async def execute(
        self,
        token: str,
        method: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        *,
        via: str = "http",
        error: APIError | None = None,
    ) -> tuple[RecordedCall, dict[str, Any]]:
        """Run one Bot API call through tokens, faults, handler and recording."""
        started = time.monotonic()
        canonical = _BY_LOWER.get(method.lower())
        record = RecordedCall(
            next(self._seq), token, canonical or method, {}, files_by_field(raw, files), via=via
        )
        try:
            if error is not None:
                raise error
            if not _TOKEN_RE.match(token) or (self.tokens is not None and token not in self.tokens):
                raise APIError(401, "Unauthorized")
            if canonical is None:
                raise APIError(404, "Not Found: method not found")
            record.params = decode_params(raw, files)
            record.chat_id = record.params.get("chat_id")
            fault = self._take_fault(token, canonical, record.chat_id)
            if fault is not None and not fault.delivered:
                await self._answer_with(fault, record)
            bot = self.bot_state(token)
            record.result = await HANDLERS[canonical](
                Ctx(self, bot, record.params, raw, files, record)
            )
            if canonical in RATE_LIMITED_METHODS and record.message is not None:
                chat = record.message["chat"]
                self.limiter.record(token, chat["id"], chat["type"] in ("group", "supergroup"))
            if fault is not None:  # carried out; the answer is lost or replaced
                await self._answer_with(fault, record)
            body: dict[str, Any] = {"ok": True, "result": record.result}
        except APIError as exc:
            record.status, record.description, record.error_parameters = (
                exc.status,
                exc.description,
                exc.parameters,
            )
            body = exc.to_json()
        except _DropConnection:
            record.status, record.description = 0, "connection dropped (injected)"
            body = {}
        except Exception as exc:  # an emulator bug: answer 500 so the test sees it
            logger.exception("emulator failed on %s", record.method)
            body = APIError(500, f"Internal Server Error: emulator bug: {exc!r}").to_json()
            record.status, record.description = 500, body["description"]
        record.duration = time.monotonic() - started
        self._index(record)
        return record, body

    @staticmethod
    async def _answer_with(fault: Fault, record: RecordedCall) -> NoReturn:
        record.injected = True
        await asyncio.sleep(fault.delay)
        if fault.status is None:
            raise _DropConnection
        raise fault.error()

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        error: APIError | None = None
        try:
            raw, files = await read_request(request)
        except APIError as exc:
            raw, files, error = {}, {}, exc
        token, method = request.match_info["token"], request.match_info["method"]
        record, body = await self.execute(token, method, raw, files, error=error)
        if record.status == 0:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return web.json_response(body, status=record.status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response(APIError(404, "Not Found").to_json(), status=404)

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(APIError(404, "Not Found").to_json(), status=404)
