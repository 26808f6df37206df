"""The bundled knowledge pack: the office's policy documents, FAQ and subsidy rules (data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PACK_DIR = Path(__file__).parent / "pack"


def pack_files() -> list[Path]:
    """Documents first, then the FAQ, in a stable order."""
    documents = sorted(
        p
        for p in (PACK_DIR / "documents").glob("*")
        if p.is_file() and not p.name.endswith(".meta.yaml")
    )
    faq = PACK_DIR / "faq.yaml"
    return [*documents, *([faq] if faq.exists() else [])]


def load_rules(path: Path | None = None) -> list[dict[str, Any]]:
    """The subsidy and reward rules as raw mappings (validated by the benefits service)."""
    path = path or PACK_DIR / "rules.yaml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    rules = data.get("rules", []) if isinstance(data, dict) else []
    return [r for r in rules if isinstance(r, dict)]
