"""What the WeChat channel needs to know about the official account, from the settings."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from core.settings import Settings


@dataclass(frozen=True)
class WeChatConfig:
    """One official account (服务号). Secrets are plain strings here: keep the object out
    of logs (``repr`` hides them)."""

    app_id: str
    app_secret: str = field(repr=False)
    token: str = field(repr=False)  # the server-URL token: signs WeChat's callbacks
    # 43 characters (32 bytes in base64 without its '='); None: plaintext callbacks only.
    encoding_aes_key: str | None = field(default=None, repr=False)
    api_base: str = "https://api.weixin.qq.com"
    template_id: str | None = None
    # The template's fields and what fills them (see ``wechat.transport.template_data``).
    template_fields: dict[str, str] = field(default_factory=dict)
    # Where a template message leads when tapped: the web chat page.
    page_url: str | None = None

    def __post_init__(self) -> None:
        if self.encoding_aes_key is not None:
            check_aes_key(self.encoding_aes_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> WeChatConfig | None:
        """The configured account, or None when the channel is off (see ``wechat_enabled``)."""
        if not settings.wechat_enabled:
            return None
        assert settings.wechat_app_id and settings.wechat_app_secret and settings.wechat_token
        aes_key = settings.wechat_encoding_aes_key
        return cls(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret.get_secret_value(),
            token=settings.wechat_token.get_secret_value(),
            encoding_aes_key=aes_key.get_secret_value() if aes_key else None,
            api_base=settings.wechat_api_base.rstrip("/"),
            template_id=settings.wechat_template_id,
            template_fields=dict(settings.wechat_template_fields),
            page_url=f"{settings.public_url.rstrip('/')}/chat" if settings.public_url else None,
        )


def check_aes_key(key: str) -> None:
    """Refuse an EncodingAESKey that is not 43 base64 characters for 32 bytes, at start-up
    rather than at the first encrypted message."""
    try:
        raw = base64.b64decode(key + "=", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(key) != 43 or len(raw) != 32:
        raise ValueError("POLICYDESK_WECHAT_ENCODING_AES_KEY must be the 43-character key")
