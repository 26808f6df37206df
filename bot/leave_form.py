"""A form never traps the user: a command or a main-menu tap in the middle of any form
(an aiogram FSM state: event sign-up, an officer's campaign) leaves it with a short notice,
then the command or the menu does what it was asked.

``register`` puts the handler in front of every other one. It must be called on the first
feature router (``start``, first in ``FEATURES``): the handler clears the form and raises
``SkipHandler``, so the update goes on to the handler it was meant for. Each form's own
/cancel keeps its own answer (``FORM_COMMANDS``).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.filters import LeavesForm
from core.i18n import Translator

# What the notice calls each form, by its StatesGroup's name; others are "the form".
FORM_NAMES = {"SignupForm": "bot.form.name.signup", "CampaignForm": "bot.form.name.campaign"}


def notice(t: Translator, raw_state: str) -> str:
    """ "已退出活动报名，填写的内容未保存。" for a state such as ``SignupForm:county``."""
    group = raw_state.partition(":")[0]
    return t("bot.form.left", form=t(FORM_NAMES.get(group, "bot.form.name.other")))


async def leave_form(
    event: Message | CallbackQuery, state: FSMContext, raw_state: str, t: Translator
) -> None:
    await state.clear()
    target = event.message if isinstance(event, CallbackQuery) else event
    if target is not None:
        await target.answer(notice(t, raw_state))
    raise SkipHandler  # on to the command or the menu item


def register(router: Router) -> None:
    """Call before the router registers anything else."""
    router.message.register(leave_form, LeavesForm())
    router.callback_query.register(leave_form, LeavesForm())
