"""Issue 17, item 8, events in the bot: a one-character company name is refused; /events
marks what this chat signed up for; a waitlisted registration shows no check-in code until
it is promoted."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage, SendPhoto
from sqlalchemy import select

from bot.callbacks import EventCb, FormCb
from core.db import utcnow
from core.i18n import translate
from events.models import Registration
from events.registration import cancel_registration, register
from events.schemas import EventIn
from tests.bot.conftest import BotHarness
from tests.bot.test_events import _fill_training_form, _question, _say, _tap
from tests.bot.updates import USER_ID, text_update
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

# A form is many quick updates: flood control out of the way (tests/bot/conftest.py).
FLOOD_LIMIT = 10_000


async def _event(harness: BotHarness, title: str = "专利信息检索培训", capacity: int = 10) -> int:
    data: EventIn = event_in(capacity=capacity, now=utcnow())
    event = await new_event(harness.runtime.sessions, data.model_copy(update={"title": title}))
    return event.id


async def _sign_up(harness: BotHarness, event_id: int, n: int, chat_id: int | None) -> Registration:
    done = await register(
        harness.runtime.sessions,
        event_id,
        registration_form(n),
        channel="telegram" if chat_id else "api",
        chat_id=chat_id,
    )
    return done.registration


def _labels(method: SendMessage) -> list[str]:
    assert method.reply_markup is not None
    return [b.text for row in method.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "problem"), [("焦", "2-200"), (" 焦 ", "2-200"), ("123456", "数字或符号")]
)
async def test_an_implausible_company_name_is_refused_and_asked_again(
    harness: BotHarness, typed: str, problem: str
) -> None:
    # Before: "焦" was taken and the form went on to the credit code.
    event_id = await _event(harness)
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    reply = await _say(harness, typed)
    assert reply.startswith("⚠️") and "企业名称" in reply and problem in reply
    assert "company_name" not in reply
    assert (await _say(harness, "焦作宏达机械有限公司")) == _question("credit_code", 2)


async def test_the_company_name_refusal_is_in_english_for_english_users(
    harness: BotHarness,
) -> None:
    event_id = await _event(harness)
    await harness.feed(text_update("/events", language_code="en"))
    await _tap(harness, EventCb(action="signup", event_id=event_id).pack())
    await harness.feed(text_update("焦", language_code="en"))
    reply = harness.last_sent().text
    assert "Company name" in reply and "2-200" in reply and "企业" not in reply


async def test_the_events_list_marks_what_this_chat_signed_up_for(harness: BotHarness) -> None:
    # Before: every event looked the same, signed up or not.
    signed = await _event(harness, "专利申请实务培训")
    full = await _event(harness, "质押融资银企对接会", capacity=1)
    other = await _event(harness, "商标品牌培训")
    await _sign_up(harness, signed, 1, USER_ID)
    await _sign_up(harness, full, 2, None)  # someone else took the only seat
    await _sign_up(harness, full, 3, USER_ID)  # waitlisted
    await harness.feed(text_update("/events"))
    labels = _labels(harness.last_sent())
    by_title = {
        title: next(label for label in labels if title in label)
        for title in ("专利申请实务培训", "质押融资银企对接会", "商标品牌培训")
    }
    assert by_title["专利申请实务培训"].startswith(
        translate("zh", "bot.events.list_mark.confirmed")
    )
    assert by_title["质押融资银企对接会"].startswith(
        translate("zh", "bot.events.list_mark.waitlisted")
    )
    assert not by_title["商标品牌培训"].startswith(("✅", "⏳"))
    assert other  # listed, unmarked

    # Another chat sees no marks.
    await harness.feed(text_update("/events", user_id=USER_ID + 1))
    assert not any(label.startswith(("✅", "⏳")) for label in _labels(harness.last_sent()))


async def test_a_waitlisted_sign_up_gets_its_check_in_code_only_when_promoted(
    harness: BotHarness,
) -> None:
    event_id = await _event(harness, capacity=1)
    first = await _sign_up(harness, event_id, 1, None)  # takes the only seat
    await _fill_training_form(harness, event_id)
    harness.session.clear()
    await _tap(harness, FormCb(action="confirm").pack())
    async with harness.runtime.sessions() as session:
        mine = await session.scalar(select(Registration).where(Registration.id != first.id))
    assert mine is not None and mine.status == "waitlisted"
    code = mine.checkin_code
    # Before: "签到码：XXXX" in the waitlist message, and its QR code.
    texts = harness.session.texts(USER_ID)
    assert any("候补" in text for text in texts)
    assert not any(code in text for text in texts)
    assert harness.session.of(SendPhoto) == []

    await harness.feed(text_update("/my"))
    listing = harness.last_sent().text
    assert code not in listing and "转正后发送签到码" in listing

    # The seat frees up: the promotion message gives the code, and /my shows it.
    harness.session.clear()
    await cancel_registration(
        harness.runtime.sessions, harness.runtime.outbox, registration_id=first.id, by="office"
    )
    await harness.deliver()
    [promoted] = harness.session.texts(USER_ID)
    assert code in promoted and "候补转正" in promoted
    await harness.feed(text_update("/my"))
    assert code in harness.last_sent().text
