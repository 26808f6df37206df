"""The outbox's transports this process has, one per channel, from its settings.

The web chat's is always there (a row in our database); Telegram's needs a bot token;
WeChat's an Official Account's credentials. A worker sends only the rows of the channels
it has a transport for.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock_display import office_zone
from core.outbox import CHANNELS, TELEGRAM, WEB, WECHAT
from core.settings import Settings
from core.transport import MessagePort
from webchat.transport import WebTransport
from wechat.config import WeChatConfig
from wechat.transport import make_transport as make_wechat_transport


def build_transports(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    only: Collection[str] | None = None,
) -> dict[str, MessagePort]:
    """The transports of every configured channel (of ``only`` these, when given)."""
    wanted = set(only) if only is not None else set(CHANNELS)
    ports: dict[str, MessagePort] = {}
    if WEB in wanted:
        ports[WEB] = WebTransport(sessions)
    if TELEGRAM in wanted and settings.bot_token is not None:
        # Imported here: aiogram is slow to import, and the bot's modules import the runtime.
        from bot.transport import make_port

        ports[TELEGRAM] = make_port(settings, sessions)
    wechat = WeChatConfig.from_settings(settings)
    if WECHAT in wanted and wechat is not None:
        ports[WECHAT] = make_wechat_transport(wechat, sessions, office_zone(settings.timezone))
    return ports
