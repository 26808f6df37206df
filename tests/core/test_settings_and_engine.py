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


def test_trusted_proxies_default_to_loopback_and_read_a_list() -> None:
    assert [str(n) for n in Settings().trusted_proxies] == ["127.0.0.1/32", "::1/128"]
    given = Settings(trusted_proxies="10.0.0.0/8, 192.0.2.7;2001:db8::/32")  # type: ignore[arg-type]
    assert [str(n) for n in given.trusted_proxies] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
        "2001:db8::/32",
    ]
    assert Settings(trusted_proxies="").trusted_proxies == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("*", "would trust every client"),
        ("10.0.0.0/8, 0.0.0.0/0", "would trust every client"),
        ("::/0", "would trust every client"),
        ("nginx", "not an IP address or CIDR network"),
        ("10.0.0.0/33", "not an IP address or CIDR network"),
        ("10.0.0.1/8", "host bits set; the network is 10.0.0.0/8"),
    ],
)
def test_trusted_proxies_refuse_what_would_trust_anyone_or_is_no_network(
    value: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(trusted_proxies=value)  # type: ignore[arg-type]


def test_a_bad_trusted_proxy_stops_the_command_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("POLICYDESK_TRUSTED_PROXIES", "10.0.0.0/8,nginx")
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path))
    assert cli.main(["init"]) == 2
    err = capsys.readouterr().err
    assert "POLICYDESK_TRUSTED_PROXIES" in err and "'nginx'" in err


@pytest.mark.parametrize("written", ["1,2", " 1 ; 2 ", "[1, 2]"])
def test_officer_chat_ids_read_from_the_environment(
    written: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: a comma-separated list stopped every command (read as broken JSON).
    monkeypatch.setenv("POLICYDESK_ADMIN_CHAT_IDS", written)
    assert Settings().admin_chat_ids == [1, 2]
