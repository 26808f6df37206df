"""Updates: long polling, a real aiogram Dispatcher, and user-side payloads."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from testing.botapi_emulator import DEFAULT_GROUP_ID, BotAPIEmulator

pytestmark = pytest.mark.asyncio

MENU = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="专利申请", callback_data="topic:patent")]]
)


async def test_dispatcher_polling_text_and_callback(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    emu = botapi_emulator
    emu.add_user(42, "李雷", language_code="zh-hans")
    seen: dict[str, Any] = {}
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        seen["lang"] = message.from_user.language_code if message.from_user else None
        await message.answer("欢迎使用知识助手", reply_markup=MENU)

    @dp.callback_query(F.data == "topic:patent")
    async def topic(query: CallbackQuery) -> None:
        seen["chat_instance"] = query.chat_instance
        await query.answer("已选择")
        if isinstance(query.message, Message):
            await query.message.edit_text("专利申请指南")

    polling = asyncio.create_task(
        dp.start_polling(emulated_bot, handle_signals=False, polling_timeout=5)
    )
    try:
        emu.send_text(42, "/start")
        welcome = await emu.wait_for_message(42, contains="欢迎")
        assert welcome["reply_markup"] == MENU.model_dump(exclude_none=True)
        update = emu.tap(42, welcome["message_id"], "topic:patent")
        assert update is not None
        edit = await emu.wait_for_call("editMessageText", chat_id=42)
        assert edit.message is not None and edit.message["text"] == "专利申请指南"
        await emu.wait_for_call("answerCallbackQuery")
        assert emu.callback_answers()[update["callback_query"]["id"]] == {"text": "已选择"}
        assert seen == {
            "lang": "zh-hans",
            "chat_instance": update["callback_query"]["chat_instance"],
        }
        await emu.wait_until_delivered()
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert emu.pending_updates() == []


async def test_long_polling_waits_and_confirms(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    started = time.monotonic()
    assert await emulated_bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9
    waiter = asyncio.create_task(emulated_bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    botapi_emulator.send_text(1, "你好")
    updates = await asyncio.wait_for(waiter, 2)
    assert [u.message.text for u in updates if u.message] == ["你好"]
    botapi_emulator.send_text(1, "second")
    botapi_emulator.send_text(1, "third")
    again = await emulated_bot.get_updates(offset=updates[-1].update_id + 1, limit=1)
    assert len(again) == 1 and again[0].update_id > updates[-1].update_id
    rest = await emulated_bot.get_updates(offset=again[0].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["third"]
    assert [u["update_id"] for u in botapi_emulator.pending_updates()] == [rest[0].update_id]


async def test_second_poller_conflicts(botapi_emulator: BotAPIEmulator) -> None:
    url = f"{botapi_emulator.base_url}/bot{botapi_emulator.default_token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        first = asyncio.create_task(http.post(url, json={"timeout": 5}))
        await asyncio.sleep(0.1)
        async with http.post(url, json={"timeout": 0}) as resp:
            assert (await resp.json())["ok"] is True
        resp = await asyncio.wait_for(first, 2)
        assert resp.status == 409
        assert "terminated by other getUpdates request" in (await resp.json())["description"]
        resp.release()


async def test_user_payloads_parse_in_aiogram(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    emu = botapi_emulator
    bot_msg = await emulated_bot.send_message(5, "请上传材料")
    emu.send_text(5, "回复你", reply_to=bot_msg.message_id)
    emu.send_text(5, "转发的内容", forward_from=6)
    emu.send_photo(5, caption="商标图样")
    emu.send_document(5, file_name="申请书.pdf")
    emu.send_voice(5, duration=4)
    emu.send_sticker(5)
    first = emu.send_text(5, "错别字")
    assert first is not None
    emu.edit_text(5, first["message"]["message_id"], "正确的字")
    updates = await emulated_bot.get_updates()
    msgs = [u.message or u.edited_message for u in updates]
    assert all(isinstance(u, Update) for u in updates)
    assert [u.update_id for u in updates] == sorted({u.update_id for u in updates})
    reply, fwd, photo, doc, voice, sticker, typo, edited = msgs
    assert (
        reply and reply.reply_to_message and reply.reply_to_message.message_id == bot_msg.message_id
    )
    assert fwd and fwd.forward_origin and fwd.forward_origin.sender_user.id == 6  # type: ignore[union-attr]
    assert photo and photo.photo and photo.caption == "商标图样"
    assert doc and doc.document and doc.document.file_name == "申请书.pdf"
    assert voice and voice.voice and voice.voice.duration == 4
    assert sticker and sticker.sticker and sticker.sticker.emoji == "👍"
    assert edited and updates[-1].edited_message and edited.text == "正确的字" and edited.edit_date
    assert typo and edited.message_id == typo.message_id
    file = await emulated_bot.get_file(doc.document.file_id)
    assert file.file_path and (await emulated_bot.download_file(file.file_path)) is not None


async def test_group_privacy_mode_and_mentions(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    emu = botapi_emulator
    me = await emulated_bot.get_me()
    assert emu.send_text(7, "大家好", chat_type="group") is None  # not for the bot: not delivered
    mention = emu.send_text(7, f"@{me.username} 商标怎么注册？", chat_type="group")
    command = emu.send_text(7, f"/help@{me.username}", chat_type="group")
    assert emu.send_text(7, "/help@some_other_bot", chat_type="group") is None
    assert mention is not None and command is not None
    updates = await emulated_bot.get_updates()
    first = updates[0].message
    assert first and first.chat.id == DEFAULT_GROUP_ID and first.chat.type == "group"
    assert first.entities and first.entities[0].type == "mention"
    second = updates[1].message
    assert second and second.entities and second.entities[0].type == "bot_command"
    reply = await emulated_bot.send_message(DEFAULT_GROUP_ID, "请说")
    assert emu.send_text(7, "回复机器人", chat_type="group", reply_to=reply.message_id) is not None


async def test_allowed_updates_filter(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    await emulated_bot.get_updates(allowed_updates=["message"])
    msg = await emulated_bot.send_message(3, "x", reply_markup=MENU)
    assert botapi_emulator.tap(3, msg.message_id, "topic:patent") is None
    with pytest.raises(ValueError):
        botapi_emulator.tap(3, msg.message_id, "not-a-button")
    assert botapi_emulator.send_text(3, "ok") is not None
