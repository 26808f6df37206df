"""Fixtures for benefit matching: the pack's rules, loaded and validated once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from benefits.loading import load_rules_file, pack_documents
from benefits.schema import Rule
from knowledge.pack import PACK_DIR
from policydesk.runtime import Runtime
from tests.benefits.helpers import matching_runtime


@pytest.fixture(scope="session")
def documents() -> dict[str, str]:
    return pack_documents(PACK_DIR / "documents")


@pytest.fixture(scope="session")
def rules(documents: dict[str, str]) -> list[Rule]:
    return load_rules_file(PACK_DIR / "rules.yaml", documents)


@pytest.fixture(scope="session")
def rules_by_id(rules: list[Rule]) -> dict[str, Rule]:
    return {r.id: r for r in rules}


@pytest.fixture
async def rt(tmp_path: Path, db_url: str) -> AsyncIterator[Runtime]:
    """A runtime with the plan and the pack's rules in the database (no search index)."""
    async with matching_runtime(tmp_path, db_url) as runtime:
        yield runtime
