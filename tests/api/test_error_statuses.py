"""Domain errors carry no HTTP status: the API maps each kind once, in ``api.errors``."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from api.errors import STATUS, status_of
from core.errors import DomainError
from events.errors import AlreadyRegistered, EventNotFound, InvalidPhone
from webchat.service import UnknownChat


def _every_kind() -> set[type[DomainError]]:
    for package in ("core", "knowledge", "events", "campaigns", "benefits", "webchat", "bot"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            importlib.import_module(info.name)
    kinds: set[type[DomainError]] = set()
    todo = [DomainError]
    while todo:
        kind = todo.pop()
        kinds.add(kind)
        todo.extend(kind.__subclasses__())
    return kinds


def test_no_domain_error_knows_its_http_status() -> None:
    for kind in _every_kind():
        assert "http_status" not in vars(kind), kind


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (EventNotFound("event 9 does not exist"), 404),
        (AlreadyRegistered("already registered"), 409),
        (InvalidPhone("not a phone number"), 422),
        (UnknownChat("open a new chat"), 401),
        (DomainError("something the user can fix"), 400),
    ],
)
def test_each_kind_answers_with_its_nearest_listed_status(error: DomainError, status: int) -> None:
    assert status_of(error) == status


def test_every_kind_has_a_status() -> None:
    for kind in _every_kind():
        assert any(base in STATUS for base in kind.__mro__), kind
