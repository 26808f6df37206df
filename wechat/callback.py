"""WeChat's callbacks to our server URL, as pure functions: no I/O, the clock passed in.

WeChat signs every callback with the server-URL token: ``signature`` is the SHA-1 of the
sorted token, ``timestamp`` and ``nonce``. In 安全模式 (``encrypt_type=aes``) the body is
an envelope whose ``Encrypt`` field is AES-256-CBC over the message XML, signed again as
``msg_signature`` (SHA-1 of the sorted token, timestamp, nonce and ciphertext); a passive
reply goes back in the same envelope.

wechatpy does the signing (``WeChatSigner``), the AES message crypto (``PrpCrypto``,
``WeChatCrypto``) and renders the reply XML (``TextReply``). We compare signatures in
constant time ourselves (wechatpy uses ``!=``) and read the message XML ourselves with the
standard library instead of ``wechatpy.parser.parse_message``: that one turns
``CreateTime`` into a local datetime and a missing ``MsgId`` into 0, turns a repeated
field into the text of a Python list and fails with bare ``KeyError``s, where we want a
strict reading with one clear error. Bodies are small and never carry a DTD; anything
else is refused before it reaches the XML parser.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from wechatpy.crypto import PrpCrypto, WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.replies import TextReply  # type: ignore[import-untyped]
from wechatpy.utils import WeChatSigner  # type: ignore[import-untyped]

from core.errors import DomainError, InvalidInput
from wechat.config import WeChatConfig

# WeChat documents no replay window; five minutes either way covers clock drift and its
# own retries (three tries, five seconds apart) and keeps a captured callback short-lived.
MAX_SKEW_SECONDS = 300
# Text messages are at most a few kilobytes; 64 KiB is far above any real callback.
MAX_BODY_BYTES = 64 * 1024
# WeChat refuses text content over 2048 bytes of UTF-8 (errcode 45002, "content size out of
# limit"; about 680 Chinese characters). 2000 leaves a margin, as WeChat does not document
# exactly how it counts (line breaks, escaped characters).
TEXT_LIMIT_BYTES = 2000

KINDS = ("text", "subscribe", "unsubscribe", "click", "view", "other")
_EVENTS = {"subscribe": "subscribe", "unsubscribe": "unsubscribe", "click": "click", "view": "view"}
# Characters XML 1.0 cannot carry, even escaped or in CDATA: a reply with one would be
# unreadable to WeChat.
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CallbackRefused(DomainError):
    """A callback that is not provably from WeChat (signature, timestamp, encryption).

    The HTTP route answers 403; nothing of the request is processed. (``api.errors.STATUS``
    needs ``CallbackRefused: 403``: its nearest listed base, ``DomainError``, is 400.)"""

    code = "callback_refused"


class MalformedMessage(InvalidInput):
    """A correctly signed callback whose body is not a message we can read (422)."""

    code = "malformed_message"


@dataclass(frozen=True)
class Incoming:
    """One message or event from a follower, as far as the assistant cares."""

    openid: str  # FromUserName: the follower, unique to this account
    account: str  # ToUserName: the official account's own id (gh_…)
    kind: str  # one of KINDS
    content: str = ""  # a text message's text, stripped
    event_key: str = ""  # a menu click's key, a view's URL, a QR code's scene
    msg_id: str | None = None  # messages have one; events do not
    create_time: int = 0
    encrypted: bool = False  # came in 安全模式: the reply must be encrypted too

    @property
    def dedupe_key(self) -> str:
        """WeChat retries a callback it got no answer to within five seconds (three tries):
        the same message has the same key. Events carry no id; WeChat's advice is the
        sender and the creation time."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.openid}:{self.create_time}:{self.kind}"


def verify_server_url(
    config: WeChatConfig,
    *,
    signature: str,
    timestamp: str,
    nonce: str,
    echostr: str,
    now: datetime,
) -> str:
    """WeChat's check of the server URL (a GET when the URL is saved in the console):
    the ``echostr`` to answer with, or ``CallbackRefused``."""
    _check_timestamp(timestamp, now)
    _check_signature(signature, config.token, timestamp, nonce)
    return echostr


def open_message(
    config: WeChatConfig, *, params: Mapping[str, str], body: bytes, now: datetime
) -> Incoming:
    """The message in a callback POST, after checking that WeChat sent it.

    Refuses (``CallbackRefused``) a missing or wrong ``signature`` or ``msg_signature``, a
    timestamp more than ``MAX_SKEW_SECONDS`` from ``now``, an encrypted message without a
    configured key or that does not decrypt to this app id; ``MalformedMessage`` for a
    signed body that is not a message.
    """
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    _check_timestamp(timestamp, now)
    _check_signature(params.get("signature", ""), config.token, timestamp, nonce)
    encrypted = params.get("encrypt_type", "raw").lower() == "aes"
    if encrypted:
        body = _decrypt(config, params.get("msg_signature", ""), timestamp, nonce, body)
    return _incoming(_fields(body), encrypted=encrypted)


def reply_text(
    config: WeChatConfig, incoming: Incoming, text: str, *, nonce: str, timestamp: int
) -> str:
    """The passive reply XML (the body of the answer to the callback), from the account to
    the follower; in the encrypted envelope when the message came encrypted. ``text`` must
    be within ``TEXT_LIMIT_BYTES`` (see ``split_text``): WeChat drops a longer reply."""
    text = _NOT_XML.sub("", text)
    if len(text.encode("utf-8")) > TEXT_LIMIT_BYTES:
        raise ValueError(f"a reply is at most {TEXT_LIMIT_BYTES} bytes; use split_text")
    reply = TextReply(
        source=incoming.account,
        target=incoming.openid,
        # wechatpy puts the text in CDATA as it is: a "]]>" in it would end the section.
        content=text.replace("]]>", "]]]]><![CDATA[>"),
        time=timestamp,
    )
    xml: str = reply.render()
    if not incoming.encrypted:
        return xml
    crypto = WeChatCrypto(config.token, _aes_key(config), config.app_id)
    encrypted: str = crypto.encrypt_message(xml, nonce, str(timestamp))
    return encrypted


def split_text(text: str, limit_bytes: int = TEXT_LIMIT_BYTES) -> list[str]:
    """``text`` in parts of at most ``limit_bytes`` of UTF-8 each (default: WeChat's text
    limit, see ``TEXT_LIMIT_BYTES``), cut at a blank line, else a line end, else after a
    sentence (。！？; and their closing quote), else after a comma or a space, else between
    two characters — never inside one. Parts are stripped; an empty text has no parts."""
    if limit_bytes < 4:
        raise ValueError("limit_bytes must hold at least one character (4 bytes)")
    parts = _split(text, limit_bytes, 0)
    return [stripped for part in parts if (stripped := part.strip())]


# --- signatures, time and crypto ---------------------------------------------------------


def _check_timestamp(timestamp: str, now: datetime) -> None:
    if not timestamp.isascii() or not timestamp.isdigit():
        raise CallbackRefused("微信回调缺少时间戳 (missing or malformed timestamp)")
    if abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise CallbackRefused("微信回调已过期 (timestamp too far from now)")


def _sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    signature: str = signer.signature
    return signature


def _check_signature(signature: str, *parts: str) -> None:
    expected = _sign(*parts)
    if not hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("utf-8")):
        raise CallbackRefused("微信回调签名无效 (bad signature)")


def _aes_key(config: WeChatConfig) -> str:
    if config.encoding_aes_key is None:
        raise CallbackRefused("未配置 EncodingAESKey，无法处理加密消息 (no AES key configured)")
    return config.encoding_aes_key


def _decrypt(
    config: WeChatConfig, msg_signature: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    key = _aes_key(config)
    ciphertext = _fields(body).get("Encrypt")
    if not ciphertext:
        raise MalformedMessage("加密消息缺少 Encrypt (encrypted message without Encrypt)")
    # Signature before decryption: an unsigned ciphertext never reaches the cipher, so
    # failures below tell an attacker nothing (no padding oracle).
    _check_signature(msg_signature, config.token, timestamp, nonce, ciphertext)
    crypto = WeChatCrypto(config.token, key, config.app_id)
    try:
        plain: str = PrpCrypto(crypto.key).decrypt(ciphertext, config.app_id)
    except Exception:  # bad base64, length, padding, UTF-8 or another app id
        raise CallbackRefused("微信加密消息无法解密 (message does not decrypt)") from None
    return plain.encode("utf-8")


# --- reading the XML ---------------------------------------------------------------------


def _fields(body: bytes) -> dict[str, str]:
    """The top-level text fields of ``<xml>…</xml>``; nested elements are skipped, a
    repeated field is refused."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedMessage("微信消息过大 (callback body too large)")
    if b"<!" in _CDATA.sub(b"", body):
        raise MalformedMessage("微信消息不应含 DTD 或注释 (DTD or comment in callback body)")
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - size-capped, no DTD (above)
    except ElementTree.ParseError as exc:
        raise MalformedMessage(f"微信消息不是有效的 XML (not well-formed XML: {exc})") from None
    if root.tag != "xml":
        raise MalformedMessage("微信消息的根元素应为 xml (root element is not <xml>)")
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            continue
        if child.tag in fields:
            raise MalformedMessage(f"微信消息字段重复 (field {child.tag} repeated)")
        fields[child.tag] = child.text or ""
    return fields


def _incoming(fields: dict[str, str], *, encrypted: bool) -> Incoming:
    openid, account = fields.get("FromUserName", ""), fields.get("ToUserName", "")
    msg_type, created = fields.get("MsgType", "").strip().lower(), fields.get("CreateTime", "")
    if not openid or not account or not msg_type:
        raise MalformedMessage("微信消息缺少必填字段 (FromUserName, ToUserName or MsgType)")
    if not created.strip().isascii() or not created.strip().isdigit():
        raise MalformedMessage("微信消息的 CreateTime 无效 (CreateTime is not a number)")
    kind, content, key = "other", "", ""
    if msg_type == "text":
        kind, content = "text", fields.get("Content", "").strip()
    elif msg_type == "event":
        kind = _EVENTS.get(fields.get("Event", "").strip().lower(), "other")
        key = fields.get("EventKey", "").strip()
        if kind == "subscribe":
            key = key.removeprefix("qrscene_")  # followed by scanning a QR code with a scene
    return Incoming(
        openid=openid.strip(),
        account=account.strip(),
        kind=kind,
        content=content,
        event_key=key,
        msg_id=fields.get("MsgId", "").strip() or None,
        create_time=int(created),
        encrypted=encrypted,
    )


# --- splitting ---------------------------------------------------------------------------

_CLOSERS = "”’」』）)】》\"'"
_LEVELS = (
    re.compile(r"(?<=\n\n)"),  # after a blank line
    re.compile(r"(?<=\n)"),  # after a line
    re.compile(
        rf"(?<=[。！？!?；;…])(?![{_CLOSERS}])|(?<=[。！？!?；;…][{_CLOSERS}])|(?<=\.)(?=\s)"
    ),  # after a sentence
    re.compile(r"(?<=[，、,：:])|(?<=\s)"),  # after a clause or a word
)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _split(text: str, limit: int, level: int) -> list[str]:
    """Greedy packing of ``text``'s pieces at ``level``; a piece over the limit is split at
    the next level down, the last level being single characters."""
    pieces = _LEVELS[level].split(text) if level < len(_LEVELS) else list(text)
    parts: list[str] = []
    current, current_size = "", 0
    for piece in pieces:
        size = _size(piece)
        if current_size + size <= limit:
            current, current_size = current + piece, current_size + size
            continue
        if current:
            parts.append(current)
        if size <= limit:
            current, current_size = piece, size
            continue
        smaller = _split(piece, limit, level + 1)
        parts.extend(smaller[:-1])
        current = smaller[-1]
        current_size = _size(current)
    if current:
        parts.append(current)
    return parts
