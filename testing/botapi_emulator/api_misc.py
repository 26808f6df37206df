"""Bot API methods other than message sending: identity, updates, webhooks, misc."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from .api_common import Ctx, Handler
from .models import APIError
from .state import WebhookConfig

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_HOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


async def get_me(ctx: Ctx) -> dict[str, Any]:
    """getMe: the bot's User (``is_bot: true``, ``can_join_groups``...)."""
    return ctx.bot.user


async def get_updates(ctx: Ctx) -> list[dict[str, Any]]:
    """getUpdates with real long polling.

    Confirms updates below ``offset``, then waits up to ``timeout`` seconds for one.
    A newer getUpdates for the same bot ends a waiting one with 409 Conflict, as Telegram does.
    """
    bot, p = ctx.bot, ctx.params
    if bot.webhook is not None:
        raise APIError(409, _CONFLICT_HOOK)
    limit = min(max(int(p.get("limit") or 100), 1), 100)
    timeout = max(float(p.get("timeout") or 0), 0.0)
    bot.set_allowed(p.get("allowed_updates"))
    bot.confirm(p.get("offset"))
    ctx.emu.notify()
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.wake()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if generation != bot.poll_generation:
            raise APIError(409, _CONFLICT_POLL)
        batch = bot.batch(limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or ctx.emu.closing:
            return batch
        await bot.wait(remaining)


async def set_webhook(ctx: Ctx) -> bool:
    """setWebhook: http(s) URL (plain http allowed for loopback tests); empty url deletes."""
    bot, p = ctx.bot, ctx.params
    url = str(p.get("url") or "")
    if p.get("drop_pending_updates"):
        bot.pending.clear()
    if not url:
        await ctx.emu.stop_webhook(bot)
        return True
    if not url.startswith(("http://", "https://")):
        raise APIError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get("secret_token")
    if secret not in (None, "") and not _SECRET_RE.match(str(secret)):
        raise APIError(400, "Bad Request: secret token contains unallowed characters")
    allowed = p.get("allowed_updates")
    bot.set_allowed(allowed)
    await ctx.emu.stop_webhook(bot)
    bot.webhook = WebhookConfig(
        url=url,
        secret_token=str(secret) if secret else None,
        max_connections=int(p.get("max_connections") or 40),
        allowed_updates=allowed,
    )
    ctx.emu.start_webhook(bot)
    bot.poll_generation += 1  # a waiting getUpdates ends with 409
    bot.wake()
    return True


async def delete_webhook(ctx: Ctx) -> bool:
    """deleteWebhook (``drop_pending_updates`` clears the queue)."""
    if ctx.params.get("drop_pending_updates"):
        ctx.bot.pending.clear()
    await ctx.emu.stop_webhook(ctx.bot)
    return True


async def get_webhook_info(ctx: Ctx) -> dict[str, Any]:
    """getWebhookInfo: url, pending_update_count, last error of delivery."""
    return ctx.bot.webhook_info()


async def send_chat_action(ctx: Ctx) -> bool:
    """sendChatAction: validates ``action``; 403 for blocked chats, not rate limited."""
    chat = ctx.chat()
    if ctx.params.get("action") not in CHAT_ACTIONS:
        raise APIError(400, "Bad Request: wrong parameter action in request")
    ctx.gate(chat)
    return True


async def answer_callback_query(ctx: Ctx) -> bool:
    """answerCallbackQuery: once per query id the emulator issued."""
    query = ctx.bot.callback_queries.get(str(ctx.params.get("callback_query_id") or ""))
    if query is None or query.get("answer") is not None:
        raise APIError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    answer = {
        k: ctx.params[k] for k in ("text", "show_alert", "url", "cache_time") if k in ctx.params
    }
    query["answer"] = answer
    ctx.record.chat_id = query.get("chat_id")
    return True


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")


async def set_my_commands(ctx: Ctx) -> bool:
    """setMyCommands: command ``[a-z0-9_]{1,32}``, description 1-256 characters."""
    commands = ctx.params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise APIError(400, "Bad Request: can't parse commands JSON object")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
            raise APIError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise APIError(400, "Bad Request: command description must be non-empty")
    ctx.bot.commands[_commands_key(ctx.params)] = commands
    return True


async def get_my_commands(ctx: Ctx) -> list[dict[str, Any]]:
    """getMyCommands for the given scope/language."""
    return ctx.bot.commands.get(_commands_key(ctx.params), [])


async def delete_my_commands(ctx: Ctx) -> bool:
    """deleteMyCommands for the given scope/language."""
    ctx.bot.commands.pop(_commands_key(ctx.params), None)
    return True


async def get_chat(ctx: Ctx) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the fields aiogram requires."""
    chat = ctx.chat()
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }


async def get_file(ctx: Ctx) -> dict[str, Any]:
    """getFile: for file ids the emulator knows; download at ``/file/bot<token>/<file_path>``."""
    stored = ctx.emu.files.get(str(ctx.params.get("file_id") or ""))
    if stored is None:
        raise APIError(400, "Bad Request: invalid file_id")
    return {
        "file_id": str(ctx.params["file_id"]),
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


async def always_true(ctx: Ctx) -> bool:
    """close / logOut: accepted, nothing happens."""
    return True


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getChat": get_chat,
    "getFile": get_file,
    "close": always_true,
    "logOut": always_true,
}
