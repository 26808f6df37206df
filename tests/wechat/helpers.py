"""A test account: its config, the clock of its callbacks, a database for its token."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import create_engine, create_session_factory
from wechat.config import WeChatConfig

APP_ID = "wx5f0c1a2b3c4d5e6f"
APP_SECRET = "0123456789abcdef0123456789abcdef"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
ACCOUNT = "gh_0123456789ab"
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
# A fixed moment, unrelated to the real date.
NOW = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
TS = int(NOW.timestamp())


def make_config(*, aes: bool = True, api_base: str = "http://127.0.0.1:9") -> WeChatConfig:
    return WeChatConfig(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        token="server-url-token-7f3a",
        encoding_aes_key=AES_KEY if aes else None,
        api_base=api_base,
        template_id="tmpl-campaign",
    )


@asynccontextmanager
async def sessions_on(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on its own engine: one per simulated process."""
    engine = create_engine(url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
