"""Every module that defines tables, so that migrations and tests see the whole schema.

A domain that adds tables adds its models module here.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = [
    "core.tokens",
    "knowledge.models",
    "campaigns.subscribers",
    "events.models",
    "core.chat_users",
    "knowledge.feedback",
    "core.officers",
    "core.admin_sessions",
    "knowledge.ingest_jobs",
    "webchat.models",
    "benefits.models",
    "campaigns.models",
    "core.replays",
    "wechat.models",
]


def load_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
