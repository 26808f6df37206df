"""WeChat Official Account emulator for policydesk tests and benchmarks.

Public API::

    from testing.wechat_emulator import WeChatEmulator, build_callback, text_message

    async with WeChatEmulator(app_id, app_secret) as emu:   # the API, on emu.base_url
        ...                                                  # emu.sent, emu.tokens_issued
    params, body = build_callback(config, text_message(...), encrypt=True, ...)
"""

from .callbacks import (
    ConfigLike,
    build_callback,
    event_message,
    read_reply,
    render_xml,
    text_message,
)
from .server import SentMessage, WeChatEmulator

__all__ = [
    "ConfigLike",
    "SentMessage",
    "WeChatEmulator",
    "build_callback",
    "event_message",
    "read_reply",
    "render_xml",
    "text_message",
]
