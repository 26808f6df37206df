"""``POST /telegram/webhook``: updates from Telegram when the bot runs in webhook mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Request, status

from api.deps import constant_time_equals
from bot.runner import TelegramFrontDoor

router = APIRouter(tags=["telegram"])
WEBHOOK_PATH = "/telegram/webhook"


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def telegram_webhook(
    request: Request,
    update: Annotated[dict[str, Any], Body()],
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    """Checks the secret Telegram was given (constant time) and drops repeated update ids."""
    front: TelegramFrontDoor | None = getattr(request.app.state, "telegram", None)
    if front is None or front.webhook_secret is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the bot does not use a webhook")
    if not constant_time_equals(secret, front.webhook_secret):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong secret token")
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "update_id missing")
    if await front.dedupe.first_time(update_id):
        await front.feed_webhook(update)
    return {"ok": True}
