"""Bot API methods through aiogram's real AiohttpSession, plus raw HTTP shapes."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramUnauthorizedError
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    User,
)

from testing.botapi_emulator import BotAPIEmulator, close_bot, make_bot

pytestmark = pytest.mark.asyncio

KB = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="常见问题", callback_data="faq")]]
)


async def test_get_me_parses_into_aiogram_user(emulated_bot: Bot) -> None:
    me = await emulated_bot.get_me()
    assert isinstance(me, User)
    assert me.is_bot and me.can_join_groups and me.id == emulated_bot.id
    assert me.username == f"emu{me.id}_bot"


async def test_send_message_returns_message_with_text_and_markup(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    first = await emulated_bot.send_message(
        42, "<b>商标</b>检索", parse_mode="HTML", reply_markup=KB
    )
    second = await emulated_bot.send_message(42, "第二条")
    assert first.text == "商标检索"
    assert first.entities is not None and first.entities[0].type == "bold"
    assert first.reply_markup is not None
    assert first.reply_markup.model_dump(exclude_none=True) == KB.model_dump(exclude_none=True)
    assert first.from_user is not None and first.from_user.id == emulated_bot.id
    assert first.chat.id == 42 and first.chat.type == "private" and first.date
    assert second.message_id == first.message_id + 1
    # Reply keyboards are accepted but, as in Telegram, not echoed in the Message.
    reply_kb = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="菜单")]])
    third = await emulated_bot.send_message(42, "menu", reply_markup=reply_kb)
    assert third.reply_markup is None
    call = botapi_emulator.sent(42, method="sendMessage")[0]
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "常见问题", "callback_data": "faq"}]]
    }
    assert call.params["chat_id"] == 42 and call.message is not None
    assert botapi_emulator.delivered_texts(42) == ["商标检索", "第二条", "menu"]


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("<div>x</div>", "HTML", "can't parse entities: Unsupported start tag"),
        ("<b>x", "HTML", "can't parse entities: Can't find end tag"),
        ("a" * 4097, None, "message is too long"),
        ("<i></i>", "HTML", "message text is empty"),
    ],
)
async def test_send_message_validation_raises_bad_request(
    emulated_bot: Bot, text: str, parse_mode: str | None, error: str
) -> None:
    with pytest.raises(TelegramBadRequest) as info:
        await emulated_bot.send_message(42, text, parse_mode=parse_mode)
    assert error in info.value.message


async def test_long_callback_data_is_rejected(emulated_bot: Bot) -> None:
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="专" * 22)]]  # 66 bytes
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await emulated_bot.send_message(42, "x", reply_markup=too_long)


async def test_send_photo_and_document_upload_and_download(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    photo = await emulated_bot.send_photo(
        7, BufferedInputFile(b"\xff\xd8jpeg", "p.jpg"), caption="<i>图</i>", parse_mode="HTML"
    )
    assert photo.photo and photo.caption == "图" and photo.caption_entities
    again = await emulated_bot.send_photo(7, photo.photo[-1].file_id)
    assert again.photo and again.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await emulated_bot.send_photo(7, "https://example.invalid/x.jpg", caption="长" * 1025)
    doc = await emulated_bot.send_document(
        7, BufferedInputFile(b"%PDF-1.4", "指南.pdf"), caption="指南"
    )
    assert doc.document is not None and doc.document.file_name == "指南.pdf"
    file = await emulated_bot.get_file(doc.document.file_id)
    assert file.file_path is not None
    data = await emulated_bot.download_file(file.file_path)
    assert data is not None and data.read() == b"%PDF-1.4"
    call = botapi_emulator.sent(7, method="sendDocument")[0]
    assert (
        call.params["document"]["upload"] == "指南.pdf"
        and call.files["document"].data == b"%PDF-1.4"
    )


async def test_edit_delete_and_not_modified(
    botapi_emulator: BotAPIEmulator, emulated_bot: Bot
) -> None:
    msg = await emulated_bot.send_message(5, "草稿", reply_markup=KB)
    edited = await emulated_bot.edit_message_text(
        "终稿", chat_id=5, message_id=msg.message_id, reply_markup=KB
    )
    assert not isinstance(edited, bool) and edited.text == "终稿" and edited.edit_date
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await emulated_bot.edit_message_text(
            "终稿", chat_id=5, message_id=msg.message_id, reply_markup=KB
        )
    stripped = await emulated_bot.edit_message_reply_markup(chat_id=5, message_id=msg.message_id)
    assert not isinstance(stripped, bool) and stripped.reply_markup is None
    assert botapi_emulator.messages(5)[0]["text"] == "终稿"
    assert await emulated_bot.delete_message(5, msg.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await emulated_bot.delete_message(5, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await emulated_bot.edit_message_text("x", chat_id=5, message_id=999)
    assert botapi_emulator.messages(5) == []


async def test_misc_methods(botapi_emulator: BotAPIEmulator, emulated_bot: Bot) -> None:
    botapi_emulator.add_user(9, "张三", username="zhangsan")
    assert await emulated_bot.send_chat_action(9, "typing") is True
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await emulated_bot.send_chat_action(9, "dancing")
    commands = [
        BotCommand(command="start", description="开始"),
        BotCommand(command="help", description="帮助"),
    ]
    assert await emulated_bot.set_my_commands(commands) is True
    assert [(c.command, c.description) for c in await emulated_bot.get_my_commands()] == [
        ("start", "开始"),
        ("help", "帮助"),
    ]
    assert await emulated_bot.delete_my_commands() is True
    assert await emulated_bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await emulated_bot.set_my_commands([BotCommand(command="Bad-Cmd", description="x")])
    chat = await emulated_bot.get_chat(9)
    assert chat.first_name == "张三" and chat.username == "zhangsan"
    assert (await emulated_bot.get_chat("@zhangsan")).id == 9
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await emulated_bot.answer_callback_query("nope")
    assert await emulated_bot.log_out() is True and await emulated_bot.close() is True
    copied = await emulated_bot.copy_message(
        10, 9, (await emulated_bot.send_message(9, "原文")).message_id
    )
    assert botapi_emulator.messages(10)[0]["text"] == "原文" and copied.message_id == 1


async def test_raw_http_shapes(botapi_emulator: BotAPIEmulator) -> None:
    base = f"{botapi_emulator.base_url}/bot{botapi_emulator.default_token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{base}/getMe") as resp:
            assert (await resp.json())["result"]["is_bot"] is True
        async with http.post(
            f"{base}/sendmessage", json={"chat_id": 3, "text": "json body"}
        ) as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["text"] == "json body"
        async with http.post(f"{base}/sendMessage", data={"chat_id": "3", "text": "form"}) as resp:
            assert (await resp.json())["result"]["message_id"] == 2
        async with http.post(
            f"{base}/sendMessage", data={"chat_id": "3", "text": "x", "reply_markup": "{"}
        ) as resp:
            assert resp.status == 400
            assert "can't parse reply keyboard markup" in (await resp.json())["description"]
        async with http.get(f"{botapi_emulator.base_url}/botnot-a-token/getMe") as resp:
            assert resp.status == 401 and (await resp.json())["description"] == "Unauthorized"


async def test_several_tokens_are_independent(botapi_emulator: BotAPIEmulator) -> None:
    botapi_emulator.add_bot("555:other", username="other_bot", first_name="Other")
    one, two = make_bot(botapi_emulator), make_bot(botapi_emulator, "555:other")
    try:
        assert (await two.get_me()).username == "other_bot"
        assert (await one.send_message(1, "a")).message_id == 1
        assert (await two.send_message(1, "b")).message_id == 1
        assert botapi_emulator.delivered_texts(1, token="555:other") == ["b"]
        assert botapi_emulator.delivered_texts(1) == ["a", "b"]
    finally:
        await close_bot(one)
        await close_bot(two)


async def test_only_listed_tokens_accepted() -> None:
    async with BotAPIEmulator(tokens=["1:good"]) as emu:
        bad = make_bot(emu, "2:bad")
        try:
            with pytest.raises(TelegramUnauthorizedError):
                await bad.get_me()
        finally:
            await close_bot(bad)
