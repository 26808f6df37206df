"""``policydesk wechat-menu`` sets the account's menu through the WeChat API."""

from __future__ import annotations

import argparse

import pytest
from pydantic import SecretStr

from policydesk.cli import cmd_wechat_menu
from policydesk.runtime import Runtime
from testing.wechat_emulator import WeChatEmulator
from tests.wechat.helpers import APP_ID, APP_SECRET
from wechat.menu import office_menu


async def test_the_menu_opens_the_pages_tabs(light_runtime: Runtime) -> None:
    async with WeChatEmulator(APP_ID, APP_SECRET) as emu:
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "wechat_app_id": APP_ID,
                "wechat_app_secret": SecretStr(APP_SECRET),
                "wechat_token": SecretStr("server-url-token"),
                "wechat_api_base": emu.base_url,
            }
        )
        args = argparse.Namespace(public_url="https://policy.example.gov.cn/")
        assert await cmd_wechat_menu(light_runtime, args) == 0
    assert emu.menu is not None
    buttons = emu.menu["button"]
    assert [b["name"] for b in buttons] == ["政策咨询", "活动报名", "政策匹配"]
    assert buttons[1]["url"] == "https://policy.example.gov.cn/chat#events"
    assert buttons[0] == {"type": "click", "name": "政策咨询", "key": "ASK"}


def test_a_menu_needs_the_public_address() -> None:
    with pytest.raises(ValueError, match="POLICYDESK_PUBLIC_URL"):
        office_menu("")
