"""WeChat's side of the callbacks: signed (and encrypted) requests to our server URL, and
reading the passive replies we answer with. Built with wechatpy's signer and crypto, so a
test exercises the real algorithms, never captured bytes."""

from __future__ import annotations

from typing import Protocol
from xml.etree import ElementTree

from wechatpy.crypto import PrpCrypto, WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.utils import WeChatSigner  # type: ignore[import-untyped]

XmlFields = dict[str, str | int]


class ConfigLike(Protocol):
    """What WeChat and we both know about the account (``wechat.config.WeChatConfig``)."""

    @property
    def app_id(self) -> str: ...

    @property
    def token(self) -> str: ...

    @property
    def encoding_aes_key(self) -> str | None: ...


def text_message(
    openid: str, account: str, content: str, msg_id: str | int, create_time: int
) -> XmlFields:
    """A follower's text message."""
    return {
        "ToUserName": account,
        "FromUserName": openid,
        "CreateTime": create_time,
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
    }


def event_message(
    openid: str, account: str, event: str, create_time: int, event_key: str = ""
) -> XmlFields:
    """An event: ``subscribe``, ``unsubscribe``, ``CLICK`` (a menu key), ``VIEW`` (a URL)."""
    return {
        "ToUserName": account,
        "FromUserName": openid,
        "CreateTime": create_time,
        "MsgType": "event",
        "Event": event,
        "EventKey": event_key,
    }


def render_xml(fields: XmlFields) -> str:
    """WeChat's XML: text in CDATA, numbers bare."""
    nodes = [
        f"<{name}>{value}</{name}>"
        if isinstance(value, int)
        else f"<{name}>{_cdata(value)}</{name}>"
        for name, value in fields.items()
    ]
    return "<xml>" + "".join(nodes) + "</xml>"


def build_callback(
    config: ConfigLike, xml_fields: XmlFields, *, encrypt: bool, timestamp: int, nonce: str
) -> tuple[dict[str, str], bytes]:
    """The query parameters and body of WeChat's POST for ``xml_fields``: signed with the
    token, and in 安全模式 encrypted into the ``Encrypt`` envelope with ``msg_signature``."""
    xml = render_xml(xml_fields)
    params = {
        "signature": sign(config.token, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "openid": str(xml_fields.get("FromUserName", "")),
    }
    if not encrypt:
        return params, xml.encode("utf-8")
    ciphertext = PrpCrypto(_crypto(config).key).encrypt(xml, config.app_id).decode("ascii")
    params["encrypt_type"] = "aes"
    params["msg_signature"] = sign(config.token, str(timestamp), nonce, ciphertext)
    envelope: XmlFields = {"ToUserName": xml_fields.get("ToUserName", ""), "Encrypt": ciphertext}
    return params, render_xml(envelope).encode("utf-8")


def read_reply(config: ConfigLike, body: str | bytes, encrypted: bool) -> dict[str, str]:
    """The fields of a passive reply as WeChat reads them; an encrypted reply's signature
    is checked (``ValueError`` when wrong) and its content decrypted."""
    fields = parse_xml(body)
    if not encrypted:
        return fields
    ciphertext = fields["Encrypt"]
    expected = sign(config.token, fields["TimeStamp"], fields["Nonce"], ciphertext)
    if fields["MsgSignature"] != expected:
        raise ValueError("the reply's MsgSignature does not match")
    return parse_xml(PrpCrypto(_crypto(config).key).decrypt(ciphertext, config.app_id))


def parse_xml(body: str | bytes) -> dict[str, str]:
    root = ElementTree.fromstring(body)
    return {child.tag: child.text or "" for child in root}


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    signature: str = signer.signature
    return signature


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _crypto(config: ConfigLike) -> WeChatCrypto:
    if config.encoding_aes_key is None:
        raise ValueError("encrypted callbacks need an EncodingAESKey")
    return WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)
