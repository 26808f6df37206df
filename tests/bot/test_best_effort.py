"""Cosmetic Bot API calls that fail cost nothing but themselves: the typing indicator, the
command menu, a tapped button's spinner or toast, taking a used button away, the live
progress edits. End to end against the Bot API emulator refusing each such method, as a
Bot API server that lacks it (404), rejects it (400) or breaks (500) would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.exceptions import ClientDecodeError, TelegramForbiddenError, TelegramServerError
from aiogram.methods import Response, SendChatAction, SetMyCommands, TelegramMethod
from aiogram.methods.base import TelegramType
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from bot.best_effort import best_effort
from bot.callbacks import CampaignCb, HandoffCb, VoteCb
from bot.campaign_progress import LiveProgress, install
from bot.factory import create_bot
from bot.runner import start_front_door
from campaigns import service
from campaigns.content import Draft
from core.i18n import translate
from policydesk.runtime import Runtime
from testing.botapi_emulator import BotAPIEmulator
from tests.bot.test_e2e import callback_data
from tests.campaigns.factories import add_subscribers

USER = 42
OFFICER = 9100
DOCUMENT = "焦作市国家知识产权试点城市建设实施方案"
ALWAYS = 1000  # a fault that lasts the whole test: the method is simply not served
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def zh(key: str, **params: object) -> str:
    return translate("zh", key, **params)


def configure(runtime: Runtime, emu: BotAPIEmulator) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={
            "bot_token": SecretStr(emu.default_token),
            "telegram_api_base": emu.base_url,
            "admin_chat_ids": [OFFICER],
            "worker_in_process": False,  # campaigns stay as the test puts them
        }
    )


@asynccontextmanager
async def serving(runtime: Runtime, emu: BotAPIEmulator) -> AsyncIterator[FastAPI]:
    """The bot inside the API app, polling the emulator, as ``policydesk serve`` runs it."""
    configure(runtime, emu)
    app = create_app(runtime=runtime)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        emulator.add_user(USER, "李雷", language_code="zh-hans")
        emulator.add_user(OFFICER, "王科长", language_code="zh-hans")
        yield emulator


@pytest.mark.parametrize("status", [400, 404, 500])
async def test_a_question_is_answered_when_the_typing_indicator_is_refused(
    emu: BotAPIEmulator, light_runtime: Runtime, status: int
) -> None:
    emu.inject("sendChatAction", status=status, times=ALWAYS)
    async with serving(light_runtime, emu):
        emu.send_text(USER, "知识产权质押融资工作怎么开展?")
        refused = await emu.wait_for_call("sendChatAction", chat_id=USER, ok=False)
        answer = await emu.wait_for_message(USER, timeout=30)
    assert refused.status == status
    assert f"《{DOCUMENT}》" in answer["text"], answer["text"]
    assert zh("bot.error.generic") not in emu.delivered_texts(USER)


async def test_the_bot_starts_and_answers_when_the_command_menu_is_refused(
    emu: BotAPIEmulator, light_runtime: Runtime
) -> None:
    # Every menu call refused: the users' menus in both languages and the officers' own.
    emu.inject("setMyCommands", status=404, description="Not Found: method not found", times=20)
    async with serving(light_runtime, emu):
        emu.send_text(USER, "/start")
        await emu.wait_for_message(USER, contains="知识产权政策助手")
    statuses = [call.status for call in emu.requests if call.method == "setMyCommands"]
    assert len(statuses) >= 2 and set(statuses) == {404}


async def _not_json_for_commands(
    make_request: NextRequestMiddlewareType[TelegramType],
    bot: Bot,
    method: TelegramMethod[TelegramType],
) -> Response[TelegramType]:
    """A server (or a proxy in front of it) answering the menu call with an HTML page."""
    if isinstance(method, SetMyCommands):
        page = "<html><body>404 Not Found</body></html>"
        raise ClientDecodeError("Failed to decode object", ValueError("not JSON"), page)
    return await make_request(bot, method)


async def test_the_bot_starts_when_the_command_menu_answer_is_not_json(
    emu: BotAPIEmulator, light_runtime: Runtime
) -> None:
    configure(light_runtime, emu)
    bot = create_bot(light_runtime.settings)
    bot.session.middleware(_not_json_for_commands)
    front = await start_front_door(light_runtime, bot=bot)
    assert front is not None
    try:
        emu.send_text(USER, "/start")
        await emu.wait_for_message(USER, contains="知识产权政策助手")
    finally:
        await front.close()


async def _sending_campaign(runtime: Runtime) -> int:
    await add_subscribers(runtime.sessions, 3)
    async with runtime.sessions() as session:
        campaign = await service.create_campaign(session, Draft("3·15 宣传", "<b>3·15</b> 宣传"))
        await service.start_campaign(session, campaign.id)
        await session.commit()
        return campaign.id


async def test_refused_button_answers_and_progress_edits_do_not_stop_a_campaign_action(
    emu: BotAPIEmulator, light_runtime: Runtime
) -> None:
    # Taps processed late (after a restart, under load) can no longer be answered.
    emu.inject("answerCallbackQuery", status=400, description=TOO_OLD, times=ALWAYS)
    emu.inject("editMessageText", status=500, times=ALWAYS)
    campaign_id = await _sending_campaign(light_runtime)
    async with serving(light_runtime, emu) as app:
        install(app.state.telegram.dispatcher, LiveProgress(interval=0.05))
        emu.send_text(OFFICER, "/campaigns")
        listing = await emu.wait_for_message(OFFICER, contains="3·15 宣传")
        progress = CampaignCb(action="progress", campaign_id=campaign_id).pack()
        emu.tap(OFFICER, listing["message_id"], progress)
        view = await emu.wait_for_message(OFFICER, contains=zh("bot.campaigns.status.sending"))
        await emu.wait_for_call("editMessageText", chat_id=OFFICER, ok=False)  # the live view

        pause = CampaignCb(action="pause", campaign_id=campaign_id).pack()
        emu.tap(OFFICER, view["message_id"], pause)
        await emu.wait_for_message(OFFICER, contains=zh("bot.campaigns.status.paused"))
    async with light_runtime.sessions() as session:
        assert (await service.get_campaign(session, campaign_id)).status == "paused"
    assert zh("bot.error.generic") not in emu.delivered_texts(OFFICER)
    assert not any(call.ok for call in emu.requests if call.method == "answerCallbackQuery")


@pytest.mark.parametrize("refused", ["answerCallbackQuery", "editMessageReplyMarkup"])
async def test_the_officers_hear_of_a_handoff_when_its_button_cannot_be_updated(
    emu: BotAPIEmulator, light_runtime: Runtime, refused: str
) -> None:
    emu.inject(refused, status=500, times=ALWAYS)
    async with serving(light_runtime, emu):
        emu.send_text(USER, "知识产权质押融资工作怎么开展?")
        answer = await emu.wait_for_message(USER, contains=f"《{DOCUMENT}》", timeout=30)
        down = next(d for d in callback_data(answer) if not VoteCb.unpack(d).helpful)
        emu.tap(USER, answer["message_id"], down)
        offer = await emu.wait_for_message(USER, contains=zh("bot.ask.handoff_offer"))
        handoff = next(d for d in callback_data(offer) if d.startswith(HandoffCb.__prefix__))
        emu.tap(USER, offer["message_id"], handoff)
        notice = await emu.wait_for_message(OFFICER, contains="知识产权质押融资工作怎么开展?")
    assert f"/answer {HandoffCb.unpack(handoff).question_id}" in notice["text"]
    # answerCallbackQuery: the vote's toast and the hand-off's alert were both refused.
    expected = [500, 500] if refused == "answerCallbackQuery" else [500]
    assert [call.status for call in emu.requests if call.method == refused] == expected


# The helper itself, for what the emulator does not produce.


async def _raises(exc: Exception) -> Any:
    raise exc


async def test_an_answer_that_is_not_json_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = ClientDecodeError("Failed to decode object", ValueError("not JSON"), "<html>")
    assert await best_effort(_raises(page)) is None
    assert "carrying on without it" in caplog.text


async def test_a_user_who_blocked_the_bot_is_not_a_cosmetic_failure() -> None:
    blocked = TelegramForbiddenError(
        SendChatAction(chat_id=USER, action="typing"), "Forbidden: bot was blocked by the user"
    )
    with pytest.raises(TelegramForbiddenError):
        await best_effort(_raises(blocked))
    # Without a chat, a 403 says nothing about a user: skipped like any other refusal.
    forbidden = TelegramForbiddenError(SetMyCommands(commands=[]), "Forbidden")
    assert await best_effort(_raises(forbidden)) is None
    server = TelegramServerError(SetMyCommands(commands=[]), "Internal Server Error")
    assert await best_effort(_raises(server)) is None


async def test_the_bot_session_is_closed_even_when_its_dispatcher_fails_to_close(
    emu: BotAPIEmulator, light_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(light_runtime, emu)
    bot = create_bot(light_runtime.settings)
    front = await start_front_door(light_runtime, bot=bot, polling=False)
    assert front is not None
    await bot.get_me()  # the HTTP session is open now

    async def failing_close(_: object) -> None:
        raise ConnectionError("the FSM storage is gone")

    monkeypatch.setattr("bot.runner.close_dispatcher", failing_close)
    with pytest.raises(ConnectionError):
        await front.close()
    client = bot.session._session  # type: ignore[attr-defined]
    assert client is None or client.closed
