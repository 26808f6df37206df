"""Middlewares that read a request body before the app does hand it on with this."""

from __future__ import annotations

from starlette.types import Message, Receive


def replaying(first: Message, receive: Receive) -> Receive:
    """A ``receive`` that gives ``first`` once, then whatever ``receive`` gives."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return first

    return replay


def replaying_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the whole ``body`` already read, then ``receive``'s."""
    return replaying({"type": "http.request", "body": body, "more_body": False}, receive)
