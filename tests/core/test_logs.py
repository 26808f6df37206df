"""Structured log lines: one JSON object each, with the ids of the work they belong to."""

from __future__ import annotations

import json
import logging
import sys

from core.logs import JsonFormatter, TextFormatter, bound


def _record(msg: str = "hello %s", *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("policydesk.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_json_line_carries_message_ids_and_extras() -> None:
    formatter = JsonFormatter()
    with bound(request="req-1", update=4711):
        line = formatter.format(_record("asked %s", "专利", route="/api/v1/ask"))
    assert "\n" not in line
    data = json.loads(line)
    assert data["msg"] == "asked 专利"
    assert data["level"] == "info" and data["logger"] == "policydesk.test"
    assert data["request_id"] == "req-1" and data["update_id"] == 4711
    assert data["route"] == "/api/v1/ask"
    assert data["ts"].endswith("+00:00")


def test_ids_do_not_leak_outside_their_block() -> None:
    formatter = JsonFormatter()
    with bound(request="outer"):
        with bound(update=1):
            pass
        inner = json.loads(formatter.format(_record()))
    assert inner["request_id"] == "outer" and "update_id" not in inner
    after = json.loads(formatter.format(_record()))
    assert "request_id" not in after and "update_id" not in after


def test_exceptions_stay_on_one_line_and_text_format_names_ids() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line and "ValueError" in json.loads(line)["exc"]
    with bound(request="abc"):
        assert TextFormatter("%(message)s").format(_record("hi")).endswith("[rid=abc]")
