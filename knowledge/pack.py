"""The bundled knowledge pack: the office's policy documents, FAQ and subsidy rules (data).

The rules file (``rules.yaml``) only seeds the rules table (``benefits.seed``); matching
and the search index read the table, which officers maintain."""

from __future__ import annotations

from pathlib import Path

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
