"""The WeChat Official Account API, asynchronously over aiohttp.

wechatpy has an API client (``WeChatClient``), but it is synchronous (requests): it would
block the event loop of the worker and the web server. We use wechatpy for the callback
side only (``wechat.callback``) and make the few calls we need here, with the access
token shared by all processes through ``wechat.tokens``.

WeChat answers HTTP 200 with ``{"errcode": …, "errmsg": …}``; ``result_of`` turns that into
the ``SendResult`` of the sending port. Neither the app secret nor an access token is
ever logged or put into an error: both travel in URLs, and aiohttp's exceptions quote
the URL, so error texts pass through ``redact``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import utcnow
from core.errors import DomainError
from core.transport import Outcome, SendResult
from wechat.config import WeChatConfig
from wechat.tokens import TokenStore

log = logging.getLogger(__name__)

# The token was refused: 40001 invalid (another grant replaced it, or it expired early),
# 42001 expired, 40014 malformed. Refresh once and send again.
TOKEN_REFUSED = frozenset({40001, 42001, 40014})
BUSY = -1  # "system busy": not processed; try again later
UNSUBSCRIBED = 43004  # "require subscribe": the user no longer follows the account
# 45015: the user has not written to the account for 48 hours, so customer-service
# messages may not reach them (template messages still may).
OUT_OF_WINDOW = 45015
# 45047: the account has sent the 20 customer-service messages WeChat allows since the
# user last wrote. Waiting does not help (the count resets only when the user writes
# again), and a RETRY_AFTER would hold every send on the account, not just this user's:
# it means the same as 45015 for this user, so it maps to the same outcome.
OUT_OF_RESPONSE_COUNT = 45047
# 45009: the account's daily quota for this API is used up. It resets at midnight
# (Beijing time) or when an officer clears it (清零 in the console, 10 times a month).
# RETRY_AFTER holds every send on the account without spending the deliveries' attempts;
# 60 s keeps that to one probe a minute while sending resumes within a minute of a clear.
DAILY_QUOTA = 45009
DAILY_QUOTA_RETRY_AFTER = 60.0

_SECRET_IN_URL = re.compile(r"(access_token|secret)=[^&\s'\"]*")


class WeChatApiError(DomainError):
    """WeChat refused a call (its errcode and errmsg in the message) or was unreachable."""

    code = "wechat_api_error"


class TokenUnavailable(WeChatApiError):
    """No access token could be had: WeChat refused the grant or did not answer."""

    code = "wechat_token_unavailable"


def redact(text: str) -> str:
    """``text`` without the secret or access token of a URL quoted in it."""
    return _SECRET_IN_URL.sub(r"\1=***", text)


def result_of(reply: dict[str, Any]) -> SendResult:
    """The outcome of a send from WeChat's answer (token refusals are handled before)."""
    errcode, errmsg = _errcode(reply), redact(str(reply.get("errmsg", "")))
    error = f"{errcode} {errmsg}".strip()
    if errcode == 0:
        msgid = reply.get("msgid")
        return SendResult(Outcome.SENT, message_id=msgid if isinstance(msgid, int) else None)
    if errcode == UNSUBSCRIBED:
        return SendResult(Outcome.BLOCKED, error=error)
    if errcode in (OUT_OF_WINDOW, OUT_OF_RESPONSE_COUNT):
        return SendResult(_out_of_window(), error=error)
    if errcode == DAILY_QUOTA:
        return SendResult(Outcome.RETRY_AFTER, retry_after=DAILY_QUOTA_RETRY_AFTER, error=error)
    if errcode == BUSY or errcode in TOKEN_REFUSED:
        # A token refused again right after a refresh: another process's grant raced ours.
        return SendResult(Outcome.TRANSIENT, error=error)
    return SendResult(Outcome.REJECTED, error=error)


def _out_of_window() -> Outcome:
    # Looked up when used, so that this module imports before the port has the member.
    return Outcome("out_of_window")


def _errcode(reply: dict[str, Any]) -> int:
    try:
        return int(reply.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


class WeChatApi:
    """The calls policydesk makes; one instance (one HTTP session) per process."""

    def __init__(
        self,
        config: WeChatConfig,
        sessions: async_sessionmaker[AsyncSession],
        *,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.tokens = TokenStore(sessions, config.app_id, clock=clock)
        self.timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    @property
    def app_id(self) -> str:
        return self.config.app_id

    async def send_text(self, openid: str, text: str) -> SendResult:
        """A customer-service text message (客服消息): only within 48 hours of the user's
        last message to the account, and at most 20 since it."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return await self._send("/cgi-bin/message/custom/send", payload)

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> SendResult:
        """A template message (模板消息); ``data`` maps the template's keywords to values."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {name: {"value": value} for name, value in data.items()},
        }
        if url:
            payload["url"] = url
        return await self._send("/cgi-bin/message/template/send", payload)

    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the account's custom menu; ``WeChatApiError`` with WeChat's errmsg."""
        reply = await self._call("/cgi-bin/menu/create", menu)
        if isinstance(reply, SendResult):
            raise WeChatApiError(f"微信菜单未能创建 (menu not created: {reply.error})")
        if _errcode(reply) != 0:
            errmsg = redact(str(reply.get("errmsg", "")))
            raise WeChatApiError(f"微信拒绝了菜单 (menu refused: {_errcode(reply)} {errmsg})")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- calls ---------------------------------------------------------------------------

    async def _send(self, path: str, payload: dict[str, Any]) -> SendResult:
        reply = await self._call(path, payload)
        return reply if isinstance(reply, SendResult) else result_of(reply)

    async def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any] | SendResult:
        """POST ``payload`` with the current token; a refused token is invalidated and the
        call made once more with a fresh one. A ``SendResult`` when there is no answer."""
        for attempt in (1, 2):
            try:
                token = await self.tokens.get(self._fetch_token)
            except (TokenUnavailable, SQLAlchemyError) as exc:  # nothing was sent
                return SendResult(Outcome.TRANSIENT, error=_describe(exc))
            reply = await self._request("POST", path, {"access_token": token}, payload)
            if isinstance(reply, SendResult) or _errcode(reply) not in TOKEN_REFUSED:
                return reply
            try:
                await self.tokens.invalidate(token)
            except SQLAlchemyError as exc:
                return SendResult(Outcome.TRANSIENT, error=_describe(exc))
            if attempt == 2:
                return reply
        raise AssertionError("unreachable")  # pragma: no cover

    async def _fetch_token(self) -> tuple[str, int]:
        params = {
            "grant_type": "client_credential",
            "appid": self.config.app_id,
            "secret": self.config.app_secret,
        }
        reply = await self._request("GET", "/cgi-bin/token", params, None)
        if isinstance(reply, SendResult):
            raise TokenUnavailable(f"微信 access_token 获取失败 (token grant: {reply.error})")
        token, expires_in = reply.get("access_token"), reply.get("expires_in", 7200)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            errmsg = redact(str(reply.get("errmsg", "no access_token in the answer")))
            log.error(
                "wechat %s: token grant refused: %s %s", self.app_id, reply.get("errcode"), errmsg
            )
            raise TokenUnavailable(
                f"微信拒绝发放 access_token (token grant refused: {_errcode(reply)} {errmsg})"
            )
        log.info("wechat %s: new access token, valid for %d s", self.app_id, expires_in)
        return token, expires_in

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        payload: dict[str, Any] | None,
    ) -> dict[str, Any] | SendResult:
        """One HTTP call: WeChat's JSON answer, or the ``SendResult`` of its failure."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {} if body is None else {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._session().request(
                method, self.config.api_base + path, params=params, data=body, headers=headers
            ) as response:
                status = response.status
                if status >= 500:
                    return SendResult(Outcome.TRANSIENT, error=f"HTTP {status}")
                try:
                    reply = await response.json(content_type=None)
                except ValueError:
                    reply = None
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # No connection was made: the request never left.
            return SendResult(Outcome.TRANSIENT, error=_describe(exc))
        except (TimeoutError, aiohttp.ClientError) as exc:
            # Sent, but the answer was lost: WeChat may have delivered it.
            return SendResult(Outcome.UNKNOWN, error=_describe(exc))
        if not isinstance(reply, dict):
            outcome = Outcome.UNKNOWN if status < 300 else Outcome.REJECTED
            return SendResult(outcome, error=f"HTTP {status}: the answer is not a JSON object")
        return reply

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._http


def _describe(exc: BaseException) -> str:
    """The kind of failure, without a URL's secrets (nor SQL parameters, hidden by the
    engine)."""
    text = redact(str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
