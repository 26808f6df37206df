"""Callbacks from WeChat: the server-URL check, signed and encrypted messages, replies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testing.wechat_emulator import build_callback, event_message, read_reply, text_message
from testing.wechat_emulator.callbacks import sign
from wechat.callback import (
    CallbackRefused,
    Incoming,
    MalformedMessage,
    open_message,
    reply_text,
    verify_server_url,
)
from wechat.config import WeChatConfig

from .helpers import ACCOUNT, NOW, OPENID, TS, make_config

CONFIG = make_config()


def check_url(config: WeChatConfig, signature: str, timestamp: int) -> str:
    return verify_server_url(
        config, signature=signature, timestamp=str(timestamp), nonce="n0nce", echostr="echo-42",
        now=NOW,
    )  # fmt: skip


def test_server_url_check_answers_the_echostr_only_when_signed_with_our_token() -> None:
    good = sign(CONFIG.token, str(TS), "n0nce")
    assert check_url(CONFIG, good, TS) == "echo-42"
    assert check_url(CONFIG, good.upper(), TS) == "echo-42"
    with pytest.raises(CallbackRefused, match="signature"):
        check_url(CONFIG, sign("another-token", str(TS), "n0nce"), TS)
    with pytest.raises(CallbackRefused):
        check_url(CONFIG, "", TS)


@pytest.mark.parametrize("direction", [1, -1], ids=["ahead", "behind"])
def test_server_url_check_refuses_a_timestamp_more_than_five_minutes_off(direction: int) -> None:
    stamp = int((NOW + direction * timedelta(minutes=5, seconds=1)).timestamp())
    with pytest.raises(CallbackRefused, match="timestamp"):
        check_url(CONFIG, sign(CONFIG.token, str(stamp), "n0nce"), stamp)
    inside = int((NOW + direction * timedelta(minutes=5)).timestamp())
    assert check_url(CONFIG, sign(CONFIG.token, str(inside), "n0nce"), inside) == "echo-42"


@pytest.mark.parametrize("encrypt", [False, True], ids=["plaintext", "aes"])
def test_a_text_message_is_read(encrypt: bool) -> None:
    fields = text_message(OPENID, ACCOUNT, "  专利资助怎么申请？]]> <b>\n", 24601234567890123, TS)
    params, body = build_callback(CONFIG, fields, encrypt=encrypt, timestamp=TS, nonce="abc")
    if encrypt:
        assert "专利".encode() not in body and params["encrypt_type"] == "aes"
    incoming = open_message(CONFIG, params=params, body=body, now=NOW + timedelta(seconds=3))
    assert incoming == Incoming(
        openid=OPENID,
        account=ACCOUNT,
        kind="text",
        content="专利资助怎么申请？]]> <b>",
        msg_id="24601234567890123",
        create_time=TS,
        encrypted=encrypt,
    )
    assert incoming.dedupe_key == "msg:24601234567890123"


@pytest.mark.parametrize(
    ("event", "key", "kind", "expected_key"),
    [
        ("subscribe", "", "subscribe", ""),
        ("subscribe", "qrscene_expo2026", "subscribe", "expo2026"),
        ("unsubscribe", "", "unsubscribe", ""),
        ("CLICK", "MENU_ASK", "click", "MENU_ASK"),
        ("VIEW", "https://policy.example.gov.cn/", "view", "https://policy.example.gov.cn/"),
        ("LOCATION", "", "other", ""),
    ],
)
def test_events_are_read(event: str, key: str, kind: str, expected_key: str) -> None:
    fields = event_message(OPENID, ACCOUNT, event, TS, key)
    params, body = build_callback(CONFIG, fields, encrypt=True, timestamp=TS, nonce="n")
    incoming = open_message(CONFIG, params=params, body=body, now=NOW)
    assert (incoming.kind, incoming.event_key, incoming.msg_id) == (kind, expected_key, None)
    assert incoming.dedupe_key == f"evt:{OPENID}:{TS}:{kind}"


def test_other_message_types_are_other() -> None:
    fields = {**text_message(OPENID, ACCOUNT, "", 7, TS), "MsgType": "image", "PicUrl": "u"}
    params, body = build_callback(CONFIG, fields, encrypt=False, timestamp=TS, nonce="n")
    assert open_message(CONFIG, params=params, body=body, now=NOW).kind == "other"


def test_a_plaintext_signature_covers_the_timestamp_and_nonce_not_the_body() -> None:
    params, body = build_callback(
        CONFIG, text_message(OPENID, ACCOUNT, "hi", 1, TS), encrypt=False, timestamp=TS, nonce="n"
    )
    with pytest.raises(CallbackRefused):
        open_message(CONFIG, params={**params, "nonce": "other"}, body=body, now=NOW)
    with pytest.raises(CallbackRefused):
        open_message(CONFIG, params={**params, "signature": "0" * 40}, body=body, now=NOW)


def test_a_tampered_encrypted_body_is_refused() -> None:
    params, body = build_callback(
        CONFIG, text_message(OPENID, ACCOUNT, "hi", 1, TS), encrypt=True, timestamp=TS, nonce="n"
    )
    start = body.index(b"<Encrypt><![CDATA[") + len(b"<Encrypt><![CDATA[")
    flipped = b"A" if body[start + 10 : start + 11] != b"A" else b"B"
    tampered = body[: start + 10] + flipped + body[start + 11 :]
    with pytest.raises(CallbackRefused, match="signature"):
        open_message(CONFIG, params=params, body=tampered, now=NOW)
    # Encrypted for another app (or with another key), though signed with our token.
    other = make_config()
    other_app = WeChatConfig(other.app_id + "x", "s", other.token, other.encoding_aes_key)
    params, body = build_callback(
        other_app, text_message(OPENID, ACCOUNT, "hi", 1, TS), encrypt=True, timestamp=TS,
        nonce="n",
    )  # fmt: skip
    with pytest.raises(CallbackRefused, match="decrypt"):
        open_message(CONFIG, params=params, body=body, now=NOW)


def test_an_encrypted_message_needs_a_key_and_its_msg_signature() -> None:
    params, body = build_callback(
        CONFIG, text_message(OPENID, ACCOUNT, "hi", 1, TS), encrypt=True, timestamp=TS, nonce="n"
    )
    with pytest.raises(CallbackRefused, match="AES"):
        open_message(make_config(aes=False), params=params, body=body, now=NOW)
    without = {k: v for k, v in params.items() if k != "msg_signature"}
    with pytest.raises(CallbackRefused):
        open_message(CONFIG, params=without, body=body, now=NOW)


def test_a_stale_message_is_refused() -> None:
    params, body = build_callback(
        CONFIG, text_message(OPENID, ACCOUNT, "hi", 1, TS), encrypt=False, timestamp=TS, nonce="n"
    )
    with pytest.raises(CallbackRefused, match="timestamp"):
        open_message(CONFIG, params=params, body=body, now=NOW + timedelta(minutes=5, seconds=1))
    with pytest.raises(CallbackRefused, match="timestamp"):
        open_message(CONFIG, params=params, body=body, now=NOW - timedelta(minutes=10))


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>",
        b"not xml at all",
        b"<message><MsgType>text</MsgType></message>",
        b"<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>o</FromUserName>"
        b"<CreateTime>yesterday</CreateTime><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>o</FromUserName><FromUserName>p"
        b"</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
        b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">]><xml><Content>&a;</Content></xml>',
        b"<xml>" + b"<Content>x</Content>" * 10_000 + b"</xml>",
    ],
    ids=["truncated", "text", "root", "missing", "time", "repeated", "dtd", "huge"],
)
def test_a_signed_but_malformed_body_is_a_clear_error(body: bytes) -> None:
    params, _ = build_callback(CONFIG, {}, encrypt=False, timestamp=TS, nonce="n")
    with pytest.raises(MalformedMessage) as caught:
        open_message(CONFIG, params=params, body=body, now=NOW)
    assert caught.value.code == "malformed_message"


def test_a_user_text_with_markup_characters_is_not_mistaken_for_a_dtd() -> None:
    fields = text_message(OPENID, ACCOUNT, "<!-- 这不是注释 --> & <!DOCTYPE>", 5, TS)
    params, body = build_callback(CONFIG, fields, encrypt=False, timestamp=TS, nonce="n")
    incoming = open_message(CONFIG, params=params, body=body, now=NOW)
    assert incoming.content == "<!-- 这不是注释 --> & <!DOCTYPE>"


@pytest.mark.parametrize("encrypt", [False, True], ids=["plaintext", "aes"])
def test_a_reply_goes_back_from_the_account_to_the_follower(encrypt: bool) -> None:
    params, body = build_callback(
        CONFIG, text_message(OPENID, ACCOUNT, "你好", 9, TS), encrypt=encrypt, timestamp=TS,
        nonce="n",
    )  # fmt: skip
    incoming = open_message(CONFIG, params=params, body=body, now=NOW)
    answer = "根据《专利资助办法》第三条]]><x>，\x01可申请 & 领取。"
    xml = reply_text(CONFIG, incoming, answer, nonce="reply-nonce", timestamp=TS + 1)
    if encrypt:
        assert "专利" not in xml and "<Encrypt>" in xml
        with pytest.raises(ValueError, match="MsgSignature"):
            read_reply(make_config().__class__("wx", "s", "wrong-token", CONFIG.encoding_aes_key),
                       xml, encrypted=True)  # fmt: skip
    reply = read_reply(CONFIG, xml, encrypted=encrypt)
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text" and reply["CreateTime"] == str(TS + 1)
    assert reply["Content"] == "根据《专利资助办法》第三条]]><x>，可申请 & 领取。"


def test_a_reply_over_the_text_limit_is_refused() -> None:
    incoming = Incoming(OPENID, ACCOUNT, "text", "问", "", "1", TS)
    with pytest.raises(ValueError, match="split_text"):
        reply_text(CONFIG, incoming, "专" * 700, nonce="n", timestamp=TS)
