"""The policydesk command, run in-process with the run's cached model."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.embedding import Embedder
from policydesk import cli


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> Path:
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("POLICYDESK_DATABASE_URL", raising=False)
    monkeypatch.setattr("knowledge.service.load_embedder", lambda *args: embedder)
    assert cli.main(["init"]) == 0
    return tmp_path / "data"


def test_init_is_idempotent(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["init"]) == 0
    out = capsys.readouterr().out
    assert "documents added 0, updated 0, unchanged 2" in out


def test_ask_json_has_the_answer_shape(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["ask", "--json", "申请专利政府给补贴吗?"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert set(body) >= {"answered", "confidence", "answer", "sources"}
    assert set(body["sources"][0]) >= {"kind", "document", "section", "text", "quote", "score"}


def test_ask_jsonl_answers_every_line_in_order(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ["公司能拿专利去银行贷款吗?", "", "明天会下雨吗?", "贯标认证有奖励吗?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    capsys.readouterr()
    assert cli.main(["ask", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["answered"] is True and "error" not in lines[0]
    assert lines[1]["answered"] is False and "empty" in lines[1]["error"]
    assert lines[2]["answered"] is False
    assert "贯标" in lines[3]["sources"][0]["quote"]


def test_eval_prints_the_metrics(
    data_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"q": "到2015年全市专利申请量要达到多少件?", "gold": ["2500件"]}\n'
        '{"q": "今天会下雨吗?", "answerable": false}\n',
        "utf-8",
    )
    capsys.readouterr()
    assert cli.main(["eval", str(questions), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["hit@3"] == 1.0 and summary["abstention_out_of_scope"] == 1.0
    assert summary["by_kind"]["other"]["answerable"] == 1
    assert cli.main(["eval", str(questions)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| corpus |") and "| q.jsonl | jiaozuo-2014 | 2 | 1.00 |" in table


def test_create_token_prints_the_token_last(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.main(["admin", "create-token", "--role", "officer"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("pd_") and len(last) > 30


def test_unknown_role_is_refused(data_dir: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["admin", "create-token", "--role", "root"])


def test_officer_password_and_deactivation(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYDESK_OFFICER_PASSWORD", "correct horse battery")
    assert cli.main(["admin", "create-officer", "zhang"]) == 0
    monkeypatch.setenv("POLICYDESK_OFFICER_PASSWORD", "a brand new passphrase")
    assert cli.main(["admin", "officer-password", "zhang"]) == 0
    assert "sessions have ended" in capsys.readouterr().out
    assert cli.main(["admin", "deactivate-officer", "zhang"]) == 0
    assert "deactivated" in capsys.readouterr().out
    assert cli.main(["admin", "activate-officer", "zhang"]) == 0
    assert cli.main(["admin", "officer-password", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err


def test_reminders_are_queued_without_a_bot_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reminders go into the outbox; the delivery workers (with the token) send them."""
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("POLICYDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("POLICYDESK_BOT_TOKEN", raising=False)
    assert cli.main(["reminders"]) == 0
    assert "reminders: queued 0, skipped 0, unknown 0" in capsys.readouterr().out


def test_bench_lists_every_benchmark_and_passes_arguments_on(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["bench"]) == 0
    listed = {line.split()[0] for line in capfd.readouterr().out.splitlines()}
    modules = {p.stem.replace("_", "-") for p in Path("bench").glob("*.py")}
    assert listed == modules - {"--init--", "common", "trivial-app"}
    assert cli.main(["bench", "no-such-thing"]) == 2
    assert "ask-latency" in capfd.readouterr().err
    # The benchmark runs as its own process; its --help shows the arguments got there.
    assert cli.main(["bench", "benefits_match", "--help"]) == 0
    assert "--profiles" in capfd.readouterr().out


def test_the_same_question_gets_the_same_answer_whatever_the_hash_seed(
    data_dir: Path, tmp_path: Path
) -> None:
    """Two processes with different PYTHONHASHSEED over one index: identical answers,
    sources in the same order (ties are broken by the unit's key, not by set order)."""
    corpus = Path(__file__).parents[2] / "knowledge" / "eval" / "corpora"
    questions = [
        json.loads(line)["q"]
        for folder in ("regional-patent", "office-measures")
        for line in (corpus / folder / "questions.jsonl").read_text("utf-8").splitlines()[:25]
    ] + ["专利", "资助", "知识产权", "融资"]  # short questions: many near-ties
    stdin = "\n".join(questions) + "\n"
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "POLICYDESK_DATA_DIR": str(data_dir)}
        env.pop("POLICYDESK_DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "policydesk", "ask", "--jsonl"],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=300,
        )
        outputs.append(done.stdout)
    assert outputs[0].count("\n") == len(questions)
    assert outputs[0] == outputs[1]
