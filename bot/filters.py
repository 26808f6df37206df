"""Filters shared by routers."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatType, MessageEntityType
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.callbacks import MenuCb
from core.settings import Settings

# The commands a form answers itself (each form's /cancel says what it dropped).
FORM_COMMANDS = frozenset({"cancel"})


def user_key(user_id: int) -> str:
    """How Telegram users are named in service tables (answer logs, feedback, questions)."""
    return f"tg:{user_id}"


class AddressedToBot(BaseFilter):
    """Private chats always; groups only when the bot is @mentioned or replied to.

    Passes the text (a photo's caption) with the mention removed as ``question``.
    """

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text if message.text is not None else message.caption or ""
        entities = message.entities if message.text is not None else message.caption_entities
        if message.chat.type == ChatType.PRIVATE:
            return {"question": text.strip()}
        me = await bot.me()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return {"question": text.strip()}
        mention = f"@{me.username}".lower() if me.username else None
        for entity in entities or []:
            # extract_from counts offsets in UTF-16 code units, as Telegram does.
            if (
                entity.type == MessageEntityType.MENTION
                and mention is not None
                and entity.extract_from(text).lower() == mention
            ):
                return {"question": text.replace(entity.extract_from(text), " ").strip()}
        return False


class IsOfficer(BaseFilter):
    """The message or button tap comes from a chat or user listed in
    ``POLICYDESK_ADMIN_CHAT_IDS``."""

    async def __call__(
        self,
        event: TelegramObject,
        settings: Settings,
        event_chat: Chat | None = None,
        event_from_user: User | None = None,
    ) -> bool:
        allowed = set(settings.admin_chat_ids)
        chat = event_chat.id if event_chat else None
        sender = event_from_user.id if event_from_user else None
        return chat in allowed or sender in allowed


async def command_of(message: Message, bot: Bot) -> str | None:
    """The command a message gives this bot ("/start@policydesk_bot x" → "start"), or None
    for plain text and for a command addressed to another bot in a group."""
    text = message.text or ""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    name, _, mention = text[1:].split(maxsplit=1)[0].partition("@")
    if mention and mention.lower() != ((await bot.me()).username or "").lower():
        return None
    return name.lower() or None


class LeavesForm(BaseFilter):
    """A command (other than the form's own /cancel) or a main-menu tap from a chat that is
    in the middle of a form (any FSM state): the user has moved on, the form must not take
    their next message as an answer."""

    async def __call__(self, event: TelegramObject, bot: Bot, raw_state: str | None = None) -> bool:
        if raw_state is None:
            return False
        if isinstance(event, CallbackQuery):
            return (event.data or "").startswith(MenuCb.__prefix__ + MenuCb.__separator__)
        if isinstance(event, Message):
            command = await command_of(event, bot)
            return command is not None and command not in FORM_COMMANDS
        return False
