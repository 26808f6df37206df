"""People talking to the bot in the sign-up tests: each has a chat, says things, taps
buttons, and reads what the bot sent to their chat."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto
from sqlalchemy import select

from core.i18n import translate
from events.models import Registration
from events.registration import register
from events.schemas import RegistrationIn
from tests.bot.conftest import BotHarness
from tests.bot.updates import USER_ID, callback_update, text_update
from tests.events.factories import event_in
from tests.events.helpers import new_event

VALID_CODE = "91440300708461136T"  # a real-looking code that passes both check characters


@dataclass
class Person:
    harness: BotHarness
    user_id: int = USER_ID

    async def say(self, text: str) -> str:
        """Send ``text``; what the bot sent last to this chat."""
        await self.harness.feed(text_update(text, user_id=self.user_id))
        return self.last().text

    async def tap(self, data: str) -> str:
        await self.harness.feed(callback_update(data, user_id=self.user_id))
        return self.last().text

    def sent(self) -> list[SendMessage]:
        return [m for m in self.harness.session.of(SendMessage) if m.chat_id == self.user_id]

    def last(self) -> SendMessage:
        sent = self.sent()
        assert sent, "the bot sent this chat nothing"
        return sent[-1]

    def texts(self) -> list[str]:
        return [m.text for m in self.sent()]

    def photos(self) -> list[SendPhoto]:
        return [p for p in self.harness.session.of(SendPhoto) if p.chat_id == self.user_id]

    async def form_step(self) -> str | None:
        """The form state this chat is in (None: no form)."""
        context = self.harness.dispatcher.fsm.resolve_context(
            self.harness.bot, chat_id=self.user_id, user_id=self.user_id
        )
        return await context.get_state()


def buttons(method: SendMessage) -> list[str]:
    if method.reply_markup is None:
        return []
    rows = method.reply_markup.inline_keyboard  # type: ignore[union-attr]
    return [b.callback_data for row in rows for b in row if b.callback_data]


def question(name: str, n: int, total: int = 6, locale: str = "zh") -> str:
    """A sign-up question as the form asks it: "第 1/6 步：请输入企业全称。…"."""
    text = translate(locale, f"bot.events.form.{name}")
    return translate(locale, "bot.events.form.step", n=n, total=total, question=text)


def each_callback_answered_once(harness: BotHarness) -> None:
    """Telegram accepts one answerCallbackQuery per button tap: a second one is refused and
    the user sees nothing of it."""
    answers = Counter(a.callback_query_id for a in harness.session.of(AnswerCallbackQuery))
    assert answers and max(answers.values()) == 1, answers


async def new_event_id(harness: BotHarness, **kwargs: Any) -> int:
    return (await new_event(harness.runtime.sessions, event_in(**kwargs))).id


async def registrations(harness: BotHarness) -> list[Registration]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(Registration).order_by(Registration.id)))


async def register_by_api(harness: BotHarness, event_id: int, form: RegistrationIn) -> str:
    """A sign-up made elsewhere (the API, the web page); its secret."""
    return (await register(harness.runtime.sessions, event_id, form)).secret
