"""``/wechat/callback``: the server URL of the office's WeChat Official Account (服务号).

GET is WeChat's check of the URL when an officer saves it in the console; POST carries
followers' messages and events, in plaintext or in 安全模式 (AES). Both are refused (403)
unless WeChat signed them within the last five minutes. See ``wechat.service`` for what
the account answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.deps import RuntimeDep
from core.db import utcnow
from core.errors import NotFound
from wechat.callback import open_message, verify_server_url
from wechat.config import WeChatConfig
from wechat.service import Channel, respond

router = APIRouter(tags=["wechat"])
CALLBACK_PATH = "/wechat/callback"


def _config(runtime: RuntimeDep) -> WeChatConfig:
    config = WeChatConfig.from_settings(runtime.settings)
    if config is None:
        raise NotFound("this office has not connected a WeChat Official Account")
    return config


@router.get(CALLBACK_PATH, include_in_schema=False, response_class=PlainTextResponse)
async def check_server_url(
    runtime: RuntimeDep,
    signature: Annotated[str, Query()] = "",
    timestamp: Annotated[str, Query()] = "",
    nonce: Annotated[str, Query()] = "",
    echostr: Annotated[str, Query()] = "",
) -> str:
    return verify_server_url(
        _config(runtime),
        signature=signature,
        timestamp=timestamp,
        nonce=nonce,
        echostr=echostr,
        now=utcnow(),
    )


@router.post(CALLBACK_PATH, include_in_schema=False)
async def receive(request: Request, runtime: RuntimeDep) -> Response:
    config = _config(runtime)
    incoming = open_message(
        config, params=dict(request.query_params), body=await request.body(), now=utcnow()
    )
    channel = Channel(
        config,
        runtime.sessions,
        runtime.knowledge,
        runtime.outbox,
        start_job=runtime.background.start_job,
    )
    body = await respond(channel, incoming)
    media = "text/plain" if body == "success" else "application/xml"
    return Response(body, media_type=media)
