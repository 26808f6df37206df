"""Callback data of every inline button, as versioned aiogram ``CallbackData`` factories.

The version is part of the prefix (``fb1:...``). When a button's payload changes shape,
bump its version: taps on buttons sent by an older bot then match no handler and reach
the stale-button fallback, which answers politely instead of failing to parse them.
Telegram limits callback data to 64 bytes.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class VoteCb(CallbackData, prefix="fb1"):
    """👍 / 👎 under an answer (the answer log row id)."""

    log_id: int
    helpful: bool


class HandoffCb(CallbackData, prefix="ho1"):
    """The "ask an officer" button offered after 👎 on an answer (the open question id);
    not-found answers sent by earlier versions carry it too."""

    question_id: int


class MenuCb(CallbackData, prefix="mn1"):
    """A main-menu button: ask, events, subscriptions, language."""

    item: str


class LanguageCb(CallbackData, prefix="lg1"):
    locale: str


class SubscriptionCb(CallbackData, prefix="sb1"):
    subscribe: bool


class EventCb(CallbackData, prefix="ev1"):
    """An event in the list: ``show`` its details, ``signup`` to start the form."""

    action: str
    event_id: int


class FormCb(CallbackData, prefix="ef1"):
    """Buttons inside the sign-up form: reuse / new profile, skip, size, confirm, cancel."""

    action: str


class MyRegCb(CallbackData, prefix="mr1"):
    """ "My registrations": ``ask`` to cancel one, ``cancel`` when confirmed, or ``list``."""

    action: str
    registration_id: int = 0


class BenefitCb(CallbackData, prefix="bf1"):
    """An answer in the benefits conversation: the fact and the choice (-1 = not sure)."""

    fact: str
    choice: int


class BenefitActionCb(CallbackData, prefix="ba1"):
    """Benefits conversation: ``results`` now, or answer ``again``."""

    action: str


class CampaignFormCb(CallbackData, prefix="cf1"):
    """A button in an officer's campaign form: a segment kind or value, skip, now, edit,
    confirm, discard. ``draft`` names the form the button was sent with: a button from an
    earlier form, or one already confirmed, matches nothing and is answered as stale."""

    action: str
    value: str = ""
    draft: str = ""


class CampaignCb(CallbackData, prefix="cm1"):
    """An officer's action on a saved campaign: ``progress``, ``pause``, ``resume``,
    ``cancel``."""

    action: str
    campaign_id: int
