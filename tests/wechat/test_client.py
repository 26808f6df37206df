"""The API client against the emulator: sends, WeChat's errors, the shared access token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from core.transport import Outcome
from testing.wechat_emulator import WeChatEmulator
from wechat.client import WeChatApi, WeChatApiError
from wechat.models import WeChatToken

from .helpers import APP_ID, APP_SECRET, OPENID, make_config, sessions_on


@pytest.fixture
async def emu() -> AsyncIterator[WeChatEmulator]:
    async with WeChatEmulator(APP_ID, APP_SECRET) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: WeChatEmulator, db_url: str) -> AsyncIterator[WeChatApi]:
    async with sessions_on(db_url) as sessions:
        client = WeChatApi(make_config(api_base=emu.base_url), sessions, timeout=5.0)
        yield client
        await client.close()


async def test_a_text_is_sent_and_recorded(emu: WeChatEmulator, api: WeChatApi) -> None:
    result = await api.send_text(OPENID, "您好，专利资助申报将于 3 月 31 日截止。")
    assert result.outcome == Outcome.SENT, result.error
    [sent] = emu.sent
    assert (sent.openid, sent.kind, sent.text) == (
        OPENID,
        "text",
        "您好，专利资助申报将于 3 月 31 日截止。",
    )
    assert emu.tokens_issued == 1
    assert (await api.send_text(OPENID, "再见")).outcome == Outcome.SENT
    assert emu.tokens_issued == 1  # the stored token is reused


async def test_a_template_message_is_sent(emu: WeChatEmulator, api: WeChatApi) -> None:
    data = {"first": "培训报名提醒", "keyword1": "专利导航培训", "remark": "点击查看"}
    result = await api.send_template(OPENID, "tmpl-campaign", data, "https://example.cn/e/1")
    assert result.outcome == Outcome.SENT and result.message_id is not None
    [sent] = emu.sent
    assert (sent.kind, sent.template_id, sent.data, sent.url) == (
        "template", "tmpl-campaign", data, "https://example.cn/e/1",
    )  # fmt: skip
    assert sent.msgid == result.message_id


async def test_a_menu_is_created_and_a_refused_one_raises(
    emu: WeChatEmulator, api: WeChatApi
) -> None:
    menu: dict[str, Any] = {"button": [{"type": "click", "name": "政策问答", "key": "ASK"}]}
    await api.create_menu(menu)
    assert emu.menu == menu
    with pytest.raises(WeChatApiError, match="40016 invalid button size"):
        await api.create_menu({"button": []})


@pytest.mark.parametrize(
    ("errcode", "outcome", "retry_after"),
    [
        (43004, "blocked", 0.0),
        (45015, "out_of_window", 0.0),
        (45047, "out_of_window", 0.0),
        (45009, "retry_after", 60.0),
        (-1, "transient", 0.0),
        (40003, "rejected", 0.0),
    ],
)
async def test_wechat_errors_are_mapped(
    emu: WeChatEmulator, api: WeChatApi, errcode: int, outcome: str, retry_after: float
) -> None:
    emu.fail_next(errcode)
    result = await api.send_text(OPENID, "通知")
    assert result.outcome.value == outcome
    assert result.retry_after == retry_after
    assert result.error.startswith(f"{errcode} ")
    assert emu.sent == []
    assert (await api.send_text(OPENID, "通知")).outcome == Outcome.SENT  # only once


async def test_an_unsubscribed_or_silent_user_is_told_apart(
    emu: WeChatEmulator, api: WeChatApi
) -> None:
    emu.unsubscribe("gone")
    emu.out_of_window("silent")
    assert (await api.send_text("gone", "x")).outcome == Outcome.BLOCKED
    assert (await api.send_text("silent", "x")).outcome.value == "out_of_window"
    # A template message reaches a follower outside the 48 hours.
    assert (await api.send_template("silent", "t", {"k": "v"}, None)).outcome == Outcome.SENT


async def test_an_expired_token_is_refreshed_once_for_twenty_concurrent_sends(
    emu: WeChatEmulator, api: WeChatApi
) -> None:
    assert (await api.send_text(OPENID, "first")).outcome == Outcome.SENT
    emu.expire_tokens()
    results = await asyncio.gather(*(api.send_text(OPENID, f"m{n}") for n in range(20)))
    assert [r.outcome for r in results] == [Outcome.SENT] * 20, {r.error for r in results}
    assert emu.tokens_issued == 2
    assert sorted(m.text for m in emu.sent[1:]) == sorted(f"m{n}" for n in range(20))


async def test_a_token_refused_twice_is_transient_not_a_loop(
    emu: WeChatEmulator, api: WeChatApi
) -> None:
    emu.fail_next(40001, count=2)
    result = await api.send_text(OPENID, "x")
    assert result.outcome == Outcome.TRANSIENT and result.error.startswith("40001")
    assert emu.tokens_issued == 2  # the first grant, one refresh, no more


async def test_two_processes_sharing_a_database_share_one_token(
    emu: WeChatEmulator, db_url: str
) -> None:
    config = make_config(api_base=emu.base_url)
    async with sessions_on(db_url) as first, sessions_on(db_url) as second:
        apis = [WeChatApi(config, first), WeChatApi(config, second)]
        try:
            results = await asyncio.gather(
                *(apis[n % 2].send_text(OPENID, f"m{n}") for n in range(10))
            )
            assert all(r.outcome == Outcome.SENT for r in results)
            assert emu.tokens_issued == 1
            emu.expire_tokens()
            results = await asyncio.gather(
                *(apis[n % 2].send_text(OPENID, f"again{n}") for n in range(10))
            )
            assert all(r.outcome == Outcome.SENT for r in results), {r.error for r in results}
            assert emu.tokens_issued == 2
            async with first() as session:
                stored = (await session.scalars(select(WeChatToken))).all()
            assert [row.app_id for row in stored] == [APP_ID]
        finally:
            for client in apis:
                await client.close()


async def test_a_wrong_secret_is_transient_and_never_quoted(
    emu: WeChatEmulator, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(api_base=emu.base_url)
    wrong = config.__class__(config.app_id, "the-wrong-secret", config.token, None, emu.base_url)
    async with sessions_on(db_url) as sessions:
        client = WeChatApi(wrong, sessions)
        try:
            result = await client.send_text(OPENID, "x")
        finally:
            await client.close()
    assert result.outcome == Outcome.TRANSIENT and "40125" in result.error
    assert "the-wrong-secret" not in result.error + caplog.text
    assert "the-wrong-secret" not in repr(wrong)


async def test_a_stalled_answer_is_unknown(emu: WeChatEmulator, db_url: str) -> None:
    async with sessions_on(db_url) as sessions:
        client = WeChatApi(make_config(api_base=emu.base_url), sessions, timeout=0.3)
        try:
            assert (await client.send_text(OPENID, "warm-up")).outcome == Outcome.SENT
            emu.stall(2.0)
            result = await client.send_text(OPENID, "slow")
        finally:
            await client.close()
    assert result.outcome == Outcome.UNKNOWN, result.error
    assert [m.text for m in emu.sent] == ["warm-up", "slow"]  # it was in fact delivered
    assert "access_token=" not in result.error or "access_token=***" in result.error


async def test_a_connection_dropped_after_the_send_is_unknown(
    emu: WeChatEmulator, api: WeChatApi
) -> None:
    emu.drop_after_send()
    result = await api.send_text(OPENID, "lost answer")
    assert result.outcome == Outcome.UNKNOWN, result.error
    assert [m.text for m in emu.sent] == ["lost answer"]
    assert (await api.send_text(OPENID, "next")).outcome == Outcome.SENT


async def test_no_server_is_transient(db_url: str) -> None:
    async with sessions_on(db_url) as sessions:
        client = WeChatApi(make_config(api_base="http://127.0.0.1:9"), sessions, timeout=2.0)
        try:
            result = await client.send_text(OPENID, "x")
        finally:
            await client.close()
    assert result.outcome == Outcome.TRANSIENT
