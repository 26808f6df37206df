"""Update middlewares, outermost first: flood control, DB session, chat user, i18n."""

from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.flood import (
    FloodControlMiddleware,
    MemoryRateLimitStorage,
    RateLimitStorage,
    RedisRateLimitStorage,
)
from bot.middlewares.i18n import I18nMiddleware
from bot.middlewares.users import ChatUserMiddleware

__all__ = [
    "ChatUserMiddleware",
    "DbSessionMiddleware",
    "FloodControlMiddleware",
    "I18nMiddleware",
    "MemoryRateLimitStorage",
    "RateLimitStorage",
    "RedisRateLimitStorage",
]
