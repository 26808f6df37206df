"""Campaign messages through the WeChat transport: long texts in parts, partial sends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.i18n import DEFAULT_LOCALE, translate
from core.transport import Outcome, OutgoingMessage
from testing.wechat_emulator import WeChatEmulator
from wechat.callback import split_text
from wechat.client import WeChatApi
from wechat.transport import WeChatTransport

from .helpers import APP_ID, APP_SECRET, OPENID, make_config, sessions_on

HEADER = "bot.officer.reply"  # an officer's answer, as knowledge.open_questions sends it
LONG = "本市开展知识产权质押融资入园惠企行动，企业可向合作银行申请贷款贴息。" * 80


@pytest.fixture
async def emu() -> AsyncIterator[WeChatEmulator]:
    async with WeChatEmulator(APP_ID, APP_SECRET) as emulator:
        yield emulator


@pytest.fixture
async def transport(emu: WeChatEmulator, db_url: str) -> AsyncIterator[WeChatTransport]:
    async with sessions_on(db_url) as sessions:
        port = WeChatTransport(WeChatApi(make_config(api_base=emu.base_url), sessions))
        yield port
        await port.close()


async def test_the_key_names_the_account_without_secrets(transport: WeChatTransport) -> None:
    assert transport.key == f"wechat:{APP_ID}"


async def test_a_long_message_goes_in_parts_with_its_link_last(
    emu: WeChatEmulator, transport: WeChatTransport
) -> None:
    message = OutgoingMessage(LONG, button_text="了解详情", button_url="https://example.cn/p")
    result = await transport.send(OPENID, message)
    assert result.outcome == Outcome.SENT
    texts = [m.text for m in emu.sent]
    assert len(texts) > 1 and "".join(texts[:-1]) + texts[-1].split("\n")[0] == LONG
    assert texts[-1].endswith("了解详情：https://example.cn/p")


async def test_a_later_part_failing_is_unknown_with_the_count(
    emu: WeChatEmulator, transport: WeChatTransport
) -> None:
    parts = len(split_text(LONG))
    assert parts >= 3
    emu.fail_next(45047, after=2)  # the third part meets the 20-message limit
    result = await transport.send(OPENID, OutgoingMessage(LONG))
    assert result.outcome == Outcome.UNKNOWN
    assert result.error.startswith(f"2 of {parts} parts sent, then: out_of_window 45047")
    assert len(emu.sent) == 2


async def test_a_first_part_failing_is_that_failure(
    emu: WeChatEmulator, transport: WeChatTransport
) -> None:
    emu.unsubscribe(OPENID)
    result = await transport.send(OPENID, OutgoingMessage(LONG))
    assert result.outcome == Outcome.BLOCKED and emu.sent == []
    assert (await transport.send("o2", OutgoingMessage(" \n "))).outcome == Outcome.REJECTED


async def test_campaign_html_goes_as_the_text_it_shows(
    emu: WeChatEmulator, transport: WeChatTransport
) -> None:
    html = '<b>3·15 宣传周</b> &amp; <a href="https://example.cn">报名</a>'
    assert (await transport.send(OPENID, OutgoingMessage(html))).outcome == Outcome.SENT
    assert [m.text for m in emu.sent] == ["3·15 宣传周 & 报名"]
    broken = await transport.send(OPENID, OutgoingMessage("<b>未闭合"))
    assert broken.outcome == Outcome.REJECTED and len(emu.sent) == 1


async def test_a_service_message_is_plain_under_its_heading(
    emu: WeChatEmulator, transport: WeChatTransport
) -> None:
    message = OutgoingMessage("<不是标签> & 原样发送", plain=True, header_key=HEADER)
    assert (await transport.send(OPENID, message)).outcome == Outcome.SENT
    [sent] = emu.sent
    # The heading is written for Telegram (<b>…</b>): WeChat gets its words; the text as is.
    assert translate(DEFAULT_LOCALE, HEADER) == "<b>工作人员答复</b>"
    assert sent.text == "工作人员答复\n\n<不是标签> & 原样发送"
