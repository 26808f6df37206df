"""Stopping the server (SIGTERM → lifespan shutdown): every step runs, even when one fails."""

from __future__ import annotations

import pytest

from api.app import create_app
from policydesk.runtime import Runtime


class FailingFrontDoor:
    """A Telegram front door whose closing fails (say, Redis gone for its FSM storage)."""

    closed = False

    async def close(self) -> None:
        self.closed = True
        raise ConnectionError("the FSM storage is gone")


async def test_a_failing_step_does_not_skip_the_others(
    web_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    front_door = FailingFrontDoor()

    async def start_front_door(*_: object, **__: object) -> FailingFrontDoor:
        return front_door

    monkeypatch.setattr("api.app.start_front_door", start_front_door)
    app = create_app(runtime=web_runtime)
    with pytest.raises(ConnectionError):
        async with app.router.lifespan_context(app):
            assert "index-refresher" in web_runtime.background.names
    assert front_door.closed
    # The background loops were still stopped after the front door failed to close.
    assert web_runtime.background.names == []
