"""End to end: aiogram's real HTTP session polling the Bot API emulator on loopback, the
bot running inside the API app exactly as ``policydesk serve`` runs it, tests acting as
users (through the emulator) and as an officer (through the admin API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from bot.callbacks import HandoffCb, VoteCb
from bot.keyboards import MENU_ITEMS
from campaigns.subscribers import get_subscriber
from core.chat_users import get_chat_user
from core.i18n import translate
from core.tokens import create_token
from knowledge.feedback import AnswerFeedback
from knowledge.models import OpenQuestion
from policydesk.runtime import Runtime
from testing.botapi_emulator import BotAPIEmulator

USER = 42
DOCUMENT = "焦作市国家知识产权试点城市建设实施方案"


@dataclass
class Live:
    emu: BotAPIEmulator
    api: httpx.AsyncClient
    runtime: Runtime


@pytest.fixture
async def live(light_runtime: Runtime) -> AsyncIterator[Live]:
    async with BotAPIEmulator() as emu:
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "bot_token": SecretStr(emu.default_token),
                "telegram_api_base": emu.base_url,
            }
        )
        emu.add_user(USER, "李雷", language_code="zh-hans")
        app = create_app(runtime=light_runtime)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
                yield Live(emu, api, light_runtime)


def callback_data(message: dict[str, Any]) -> list[str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in keyboard for button in row]


async def test_start_shows_the_welcome_and_menu(live: Live) -> None:
    live.emu.send_text(USER, "/start")
    welcome = await live.emu.wait_for_message(USER, contains="知识产权政策助手")
    assert len(callback_data(welcome)) == len(MENU_ITEMS)


async def test_command_menu_is_published_in_both_languages(live: Live) -> None:
    calls = [c for c in live.emu.requests if c.method.lower() == "setmycommands"]
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) == {None, "en"}
    assert [c["command"] for c in by_language[None]][:2] == ["start", "help"]
    assert by_language["en"][0]["description"] == translate("en", "bot.commands.start")


async def test_question_gets_a_cited_answer_and_a_vote_is_stored(live: Live) -> None:
    live.emu.send_text(USER, "知识产权质押融资工作怎么开展?")
    await live.emu.wait_for_call("sendChatAction", chat_id=USER)
    answer = await live.emu.wait_for_message(USER, contains=f"《{DOCUMENT}》")
    up = next(d for d in callback_data(answer) if VoteCb.unpack(d).helpful)
    live.emu.tap(USER, answer["message_id"], up)
    call = await live.emu.wait_for_call("answerCallbackQuery")
    assert call.params.get("text") == translate("zh", "bot.feedback.recorded")
    async with live.runtime.sessions() as session:
        [vote] = list(await session.scalars(select(AnswerFeedback)))
    assert (vote.user_key, vote.vote) == (f"tg:{USER}", 1)


async def test_a_not_found_question_gets_the_officers_answer_without_a_handoff(
    live: Live,
) -> None:
    live.emu.send_text(USER, "明天焦作的天气怎么样?")
    declined = await live.emu.wait_for_message(USER, contains="没有找到")
    assert declined["text"] == translate("zh", "bot.ask.not_found")
    assert not any(d.startswith(HandoffCb.__prefix__) for d in callback_data(declined))

    async with live.runtime.sessions() as session:
        _, token = await create_token(session, "officer", "王科长")
        await session.commit()
        [question_id] = list(await session.scalars(select(OpenQuestion.id)))
    response = await live.api.post(
        f"/api/v1/admin/questions/{question_id}/answer",
        json={"answer": "请关注市气象台发布的<天气预报>。"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    reply = await live.emu.wait_for_message(USER, contains="工作人员答复")
    assert "请关注市气象台发布的<天气预报>。" in reply["text"]  # escaped on the way, shown as typed


async def test_thumbs_down_offers_an_officer_whose_answer_arrives_in_the_chat(
    live: Live,
) -> None:
    live.emu.send_text(USER, "知识产权质押融资工作怎么开展?")
    answer = await live.emu.wait_for_message(USER, contains=f"《{DOCUMENT}》")
    down = next(d for d in callback_data(answer) if not VoteCb.unpack(d).helpful)
    live.emu.tap(USER, answer["message_id"], down)
    offer = await live.emu.wait_for_message(USER, contains=translate("zh", "bot.ask.handoff_offer"))
    [handoff] = callback_data(offer)
    live.emu.tap(USER, offer["message_id"], handoff)
    await live.emu.wait_for_call("editMessageReplyMarkup", chat_id=USER)

    async with live.runtime.sessions() as session:
        _, token = await create_token(session, "officer", "王科长")
        await session.commit()
    question_id = HandoffCb.unpack(handoff).question_id
    response = await live.api.post(
        f"/api/v1/admin/questions/{question_id}/answer",
        json={"answer": "请携带专利证书到市局窗口咨询。"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    reply = await live.emu.wait_for_message(USER, contains="工作人员答复")
    assert "请携带专利证书到市局窗口咨询。" in reply["text"]


async def test_unsubscribe_is_one_command_and_immediate(live: Live) -> None:
    live.emu.send_text(USER, "/subscribe")
    await live.emu.wait_for_message(USER, contains=translate("zh", "bot.subscriptions.subscribed"))
    live.emu.send_text(USER, "/unsubscribe")
    await live.emu.wait_for_message(
        USER, contains=translate("zh", "bot.subscriptions.unsubscribed")
    )
    async with live.runtime.sessions() as session:
        row = await get_subscriber(session, USER)
        assert row is not None and not row.subscribed


async def test_a_user_who_blocked_the_bot_is_remembered_and_the_bot_keeps_going(
    live: Live,
) -> None:
    live.emu.send_text(USER, "/subscribe")
    await live.emu.wait_for_message(USER, contains=translate("zh", "bot.subscriptions.subscribed"))
    live.emu.block(USER)
    live.emu.send_text(USER, "知识产权质押融资工作怎么开展?")
    await live.emu.wait_for_call("sendChatAction", chat_id=USER, ok=False)
    await live.emu.wait_until_delivered(5)

    other = USER + 1
    live.emu.add_user(other, "韩梅梅")
    live.emu.send_text(other, "/start")
    await live.emu.wait_for_message(other, contains="知识产权政策助手")

    async def blocked() -> bool:
        async with live.runtime.sessions() as session:
            subscriber = await get_subscriber(session, USER)
            user = await get_chat_user(session, USER)
        return bool(subscriber and subscriber.blocked and user and user.blocked)

    # The error handler runs after the failed call the emulator recorded: wait for it.
    for _ in range(250):
        if await blocked():
            break
        await asyncio.sleep(0.02)
    assert await blocked()


async def test_telegram_flood_control_is_waited_out(live: Live) -> None:
    live.emu.inject("sendMessage", status=429, retry_after=1, chat_id=USER)
    live.emu.send_text(USER, "/start")
    refused = await live.emu.wait_for_call("sendMessage", chat_id=USER, ok=False)
    assert refused.status == 429
    await live.emu.wait_for_message(USER, contains="知识产权政策助手")
    assert len(live.emu.sent_messages(USER)) == 1  # sent once, after the wait


async def test_a_telegram_server_error_costs_one_reply_not_the_bot(live: Live) -> None:
    live.emu.inject("sendMessage", status=502, chat_id=USER)
    live.emu.send_text(USER, "/start")
    await live.emu.wait_for_call("sendMessage", chat_id=USER, ok=False)
    await live.emu.wait_for_message(USER, contains=translate("zh", "bot.error.generic"))
    live.emu.send_text(USER, "/help")
    await live.emu.wait_for_message(USER, contains=translate("zh", "bot.help", limit=500)[:20])
