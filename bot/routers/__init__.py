"""Feature routers, one module each, each exposing ``create_router() -> Router``.

To add a feature, write ``bot/routers/<feature>.py`` and list its ``create_router`` in
``FEATURES``. Order matters only between overlapping filters: commands and buttons come
before ``ask`` (any text), and ``fallback`` is always added last by the factory.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router

from bot.routers import (
    admin,
    ask,
    benefits,
    campaigns_admin,
    campaigns_manage,
    events,
    feedback,
    handoff,
    start,
    subscriptions,
)

RouterFactory = Callable[[], Router]

FEATURES: list[RouterFactory] = [
    start.create_router,
    admin.create_router,
    campaigns_admin.create_router,
    campaigns_manage.create_router,
    subscriptions.create_router,
    events.create_router,
    benefits.create_router,
    feedback.create_router,
    handoff.create_router,
    ask.create_router,
]
