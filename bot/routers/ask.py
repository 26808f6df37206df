"""Any text addressed to the bot is a question: typing…, the cited answer, 👍 / 👎.

A photo's caption is a question too (the picture itself is not read, and the reply says
so); a question longer than the limit is answered from its start, with a note. A question
the assistant cannot answer waits for an officer at once: it is tied to this chat (the
officer's answer comes back here) and the officers' chats hear of it, and of who asked."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.enums import ChatAction, ChatType
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.best_effort import best_effort
from bot.filters import AddressedToBot, user_key
from bot.keyboards import answer_keyboard
from bot.render import pack, render_answer
from bot.routers.handoff import describe_asker, tell_officers
from core.i18n import Translator
from knowledge.long_questions import clip_question
from knowledge.questions import ask_and_record
from policydesk.runtime import Runtime


async def ask(
    message: Message,
    question: str,
    bot: Bot,
    session: AsyncSession,
    runtime: Runtime,
    t: Translator,
) -> None:
    """Edited and forwarded texts are questions too: the user wants the answer to them."""
    notes = [t("bot.ask.picture_not_read")] if message.photo else []
    if not question:
        await message.answer(t("bot.ask.prompt"))
        return
    limit = runtime.settings.max_question_chars
    question, clipped = clip_question(question, limit)
    if clipped:
        notes.append(t("bot.ask.clipped", limit=limit))
    await best_effort(bot.send_chat_action(message.chat.id, ChatAction.TYPING))
    sender = message.from_user.id if message.from_user else message.chat.id
    answer, log_row = await ask_and_record(
        session,
        runtime.knowledge,
        question,
        channel="telegram",
        user_key=user_key(sender),
        chat_id=message.chat.id,
        locale=t.locale,
    )
    # Commit before talking to Telegram: no lock held over the network, and a 👍 tapped
    # at once finds its answer.
    await session.commit()
    # Not found: say what happens to the question, which only this front door knows.
    messages = render_answer(answer, t) if answer.answered else [html.quote(t("bot.ask.not_found"))]
    # The notes go above the answer, in its first message when they fit.
    messages = pack([html.quote(note) for note in notes] + messages)
    markup = answer_keyboard(t, log_row.id)
    in_group = message.chat.type != ChatType.PRIVATE
    try:
        for index, text in enumerate(messages):
            last = index == len(messages) - 1
            await message.answer(
                text,
                reply_markup=markup if last else None,
                reply_to_message_id=message.message_id if in_group and index == 0 else None,
            )
    finally:
        # The question waits for an officer even when its reply could not be sent.
        if answer.open_question_id is not None:
            asker = await describe_asker(session, message.from_user, message.chat.id)
            await tell_officers(
                bot, runtime.settings, answer.open_question_id, log_row.question, asker
            )


def create_router() -> Router:
    router = Router(name=__name__)
    is_question = (F.text, ~F.text.startswith("/"), AddressedToBot())
    captioned_photo = (F.photo, F.caption, ~F.caption.startswith("/"), AddressedToBot())
    for observer in (router.message, router.edited_message):
        observer.register(ask, *is_question)
        observer.register(ask, *captioned_photo)
    return router
