"""End to end: an officer composes and confirms a campaign in the bot (aiogram's real
session polling the Bot API emulator, inside the API app as ``policydesk serve`` runs it),
and a delivery worker on the same emulator brings it to every subscriber exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from api.app import create_app
from bot.callbacks import CampaignFormCb
from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns import service
from campaigns.models import Campaign
from campaigns.ratelimit import LocalRateLimiter
from campaigns.worker import Worker, WorkerConfig
from core.i18n import translate
from policydesk.runtime import Runtime
from testing.botapi_emulator import BotAPIEmulator, RateLimits
from tests.bot.test_e2e import callback_data
from tests.campaigns.factories import emulator_settings

OFFICER = 9100
SUBSCRIBERS = [9201, 9202, 9203]
LEFT = 9204  # subscribed, then left before the campaign
TEXT = '<b>4·26 世界知识产权日</b> 宣传周活动 &amp; <a href="https://www.cnipa.gov.cn">报名</a>'
SHOWN = "4·26 世界知识产权日 宣传周活动 & 报名"  # what a user sees


@pytest.fixture
async def emu(light_runtime: Runtime) -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(rate_limits=RateLimits.telegram()) as emulator:
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "bot_token": SecretStr(emulator.default_token),
                "telegram_api_base": emulator.base_url,
                "admin_chat_ids": [OFFICER],
                "worker_in_process": False,  # the test runs its own worker below
            }
        )
        app = create_app(runtime=light_runtime)
        async with app.router.lifespan_context(app):
            yield emulator


def zh(key: str) -> str:
    return translate("zh", key)


def form_button(message: dict[str, Any], action: str, value: str = "") -> str:
    for data in callback_data(message):
        parsed = CampaignFormCb.unpack(data)
        if parsed.action == action and (not value or parsed.value == value):
            return data
    raise AssertionError(f"no {action} button in {callback_data(message)}")


async def test_officer_composes_confirms_and_subscribers_get_it_once(
    emu: BotAPIEmulator, light_runtime: Runtime
) -> None:
    for chat in [*SUBSCRIBERS, LEFT]:
        emu.add_user(chat, f"企业{chat}")
        emu.send_text(chat, "/subscribe")
        await emu.wait_for_message(chat, contains=zh("bot.subscriptions.subscribed"))
    emu.send_text(LEFT, "/unsubscribe")
    await emu.wait_for_message(LEFT, contains=zh("bot.subscriptions.unsubscribed"))

    emu.add_user(OFFICER, "王科长")
    emu.send_text(OFFICER, "/campaign")
    await emu.wait_for_message(OFFICER, contains=zh("bot.campaigns.ask.title"))
    emu.send_text(OFFICER, "世界知识产权日宣传")
    await emu.wait_for_message(OFFICER, contains="Telegram HTML")
    emu.send_text(OFFICER, "<b>未闭合")
    await emu.wait_for_message(OFFICER, contains="没有对应的结束标记")
    emu.send_text(OFFICER, TEXT)
    asked = await emu.wait_for_message(OFFICER, contains="网址 按钮文字")
    emu.tap(OFFICER, asked["message_id"], form_button(asked, "skip"))
    asked = await emu.wait_for_message(OFFICER, contains="覆盖订阅用户：3 人")
    emu.tap(OFFICER, asked["message_id"], form_button(asked, "seg", "all"))
    # "All subscribers" clears the conditions; the screen stays until "next".
    asked = await emu.wait_for_message(OFFICER, contains="覆盖订阅用户：3 人")
    emu.tap(OFFICER, asked["message_id"], form_button(asked, "done"))
    asked = await emu.wait_for_message(OFFICER, contains="北京时间")
    emu.tap(OFFICER, asked["message_id"], form_button(asked, "now"))
    preview = await emu.wait_for_message(OFFICER, contains=SHOWN)
    assert preview["text"] == SHOWN
    summary = await emu.wait_for_message(OFFICER, contains="覆盖人数：3")
    confirm = form_button(summary, "confirm")
    emu.tap(OFFICER, summary["message_id"], confirm)
    emu.tap(OFFICER, summary["message_id"], confirm)  # a double tap
    await emu.wait_for_message(OFFICER, contains="开始发送，共 3 人")
    await emu.wait_until_delivered()

    port = TelegramPort(create_bot(emulator_settings(emu.base_url), wait_on_flood=False))
    config = WorkerConfig(poll=0.05)
    await Worker(light_runtime.sessions, port, LocalRateLimiter(), config).run(until_idle=True)
    await port.close()

    delivered = Counter(
        int(call.chat_id)  # type: ignore[arg-type]
        for call in emu.sent(method="sendMessage")
        if SHOWN in (call.message or {}).get("text", "")
    )
    assert delivered == {**dict.fromkeys(SUBSCRIBERS, 1), OFFICER: 1}  # the preview only
    async with light_runtime.sessions() as session:
        [campaign] = await service.list_campaigns(session)
        stats = await service.campaign_stats(session, campaign)
    assert isinstance(campaign, Campaign) and campaign.status == "done"
    assert (stats.targeted, stats.sent, stats.unknown) == (3, 3, 0)
