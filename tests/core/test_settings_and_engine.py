"""Settings refuse what they do not know; database errors keep personal data out of logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.db import create_engine
from core.settings import Settings
from policydesk import cli


def test_the_environment_is_one_of_two_words_in_any_case() -> None:
    assert Settings(env="Production").env == "production"  # type: ignore[arg-type]
    assert Settings(env=" development ").env == "development"  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(env="prod")  # type: ignore[arg-type]


def test_an_unknown_environment_stops_the_command_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("POLICYDESK_ENV", "Prodution")
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path))
    assert cli.main(["init"]) == 2
    assert "POLICYDESK_ENV" in capsys.readouterr().err


async def test_engines_hide_bound_parameters_in_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert engine.sync_engine.hide_parameters is True
    finally:
        await engine.dispose()
