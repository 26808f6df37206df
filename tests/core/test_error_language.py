"""Domain errors said in one language, naming the field as people call it."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from events.errors import InvalidCreditCode
from events.validators import normalise_credit_code


def test_a_keyed_error_speaks_each_language_and_keeps_the_api_message_bilingual() -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        normalise_credit_code("9141080012345")
    error = caught.value
    assert error.explain("zh") == "统一社会信用代码：应为18位，收到13位"
    assert error.explain("en") == "Unified social credit code: must have 18 characters, got 13"
    # The API's detail is as before: the field's code, then Chinese with an English gloss.
    assert error.message == f"credit_code: {error.explain('zh')} ({error.explain('en')})"
    assert (error.field, error.code) == ("credit_code", "invalid_credit_code")


@pytest.mark.parametrize(
    ("message", "zh", "en"),
    [
        (
            "seats: 最多可报3个席位 (at most 3 seats)",
            "席位数：最多可报3个席位",
            "Seats: at most 3 seats",
        ),
        ("活动已开始，不能取消 (the event has started)", None, None),
        ("the title is too long", None, None),
    ],
)
def test_an_error_without_a_key_is_split_by_language(
    message: str, zh: str | None, en: str | None
) -> None:
    field = "seats" if message.startswith("seats") else None
    error = InvalidInput(message, field=field)
    if zh is None:
        # No field to name; a bilingual message is split, a one-language one kept.
        english = message.rpartition("(")[2].rstrip(")") if "(" in message else message
        chinese = message.partition(" (")[0]
        assert error.explain("en") == english
        assert error.explain("zh") == chinese
    else:
        assert (error.explain("zh"), error.explain("en")) == (zh, en)


def test_an_unnamed_field_is_left_out_not_shown_as_a_code() -> None:
    error = InvalidInput("company.credit_code: 已报名 (already registered)", field="company.x")
    assert error.explain("zh") == "已报名"


def test_the_officers_campaign_form_errors_are_in_their_language() -> None:
    from bot.campaign_views import segment_value

    with pytest.raises(InvalidInput) as caught:
        segment_value("event_id", "第二场")
    assert caught.value.explain("zh") == "活动编号：请输入数字"
    assert caught.value.explain("en") == "Event number: a number is needed"
    # The API keeps its English message.
    assert caught.value.message == "event_id: a number is needed"
