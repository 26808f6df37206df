"""The webhook route: secret checked, repeats dropped, updates reach the dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram.methods import SetWebhook
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from bot.factory import create_bot
from bot.runner import start_front_door
from core.i18n import translate
from policydesk.runtime import Runtime
from tests.bot.mocked_session import RecordingSession
from tests.bot.updates import message
from tests.clients import client_for

SECRET = "s3cret-webhook-token-for-tests"


@pytest.fixture
async def webhook_app(light_runtime: Runtime) -> AsyncIterator[tuple[FastAPI, RecordingSession]]:
    app = create_app(runtime=light_runtime)
    recording = RecordingSession()
    async with app.router.lifespan_context(app):
        # Configured after start-up so that the app's own bot (which would talk to
        # api.telegram.org) is never built: the front door gets a recording bot instead.
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "bot_token": SecretStr("4242:TEST"),
                "webhook_url": "https://policydesk.example/telegram/webhook",
                "webhook_secret": SecretStr(SECRET),
            }
        )
        bot = create_bot(light_runtime.settings, session=recording)
        app.state.telegram = await start_front_door(light_runtime, bot=bot)
        yield app, recording
        await app.state.telegram.close()
        app.state.telegram = None


async def _post(app: FastAPI, body: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with client_for(app) as client:
        return await client.post("/telegram/webhook", json=body, headers=headers)


async def test_webhook_is_registered_with_the_secret(
    webhook_app: tuple[FastAPI, RecordingSession],
) -> None:
    _, recording = webhook_app
    [call] = recording.of(SetWebhook)
    assert call.url == "https://policydesk.example/telegram/webhook"
    assert call.secret_token == SECRET


async def test_updates_with_the_secret_are_processed_once(
    webhook_app: tuple[FastAPI, RecordingSession],
) -> None:
    app, recording = webhook_app
    update = {"update_id": 77, "message": message("/start", user_id=31)}
    assert (await _post(app, update)).status_code == 200
    assert (await _post(app, update)).status_code == 200  # Telegram re-sent it
    assert recording.texts(31) == [translate("zh", "bot.start")]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1]])
async def test_wrong_secret_is_refused_and_not_processed(
    webhook_app: tuple[FastAPI, RecordingSession], secret: str | None
) -> None:
    app, recording = webhook_app
    update = {"update_id": 78, "message": message("/start", user_id=32)}
    assert (await _post(app, update, secret)).status_code == 403
    assert recording.texts(32) == []


async def test_malformed_updates_do_not_fail_the_route(
    webhook_app: tuple[FastAPI, RecordingSession],
) -> None:
    app, _ = webhook_app
    assert (await _post(app, {"no": "id"})).status_code == 422
    assert (await _post(app, {"update_id": 79, "message": {"bogus": True}})).status_code == 200


async def test_no_webhook_configured_means_404(light_runtime: Runtime) -> None:
    app = create_app(runtime=light_runtime)
    async with app.router.lifespan_context(app):
        assert (await _post(app, {"update_id": 1})).status_code == 404
