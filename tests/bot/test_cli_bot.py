from pathlib import Path

import pytest

from policydesk import cli


def test_bot_command_needs_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("POLICYDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("POLICYDESK_BOT_TOKEN", raising=False)
    assert cli.main(["bot"]) == 2
    assert "POLICYDESK_BOT_TOKEN" in capsys.readouterr().err


def test_serve_can_leave_polling_to_another_process() -> None:
    args = cli.build_parser().parse_args(["serve", "--no-bot"])
    assert args.no_bot is True
