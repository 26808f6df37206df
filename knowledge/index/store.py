"""Versioned index directories that are written once and swapped atomically.

``<index_dir>/<version>/`` holds ``manifest.json``, ``entries.jsonl``, the BM25 matrix and
the FAISS index. A build writes into a temporary directory and renames it into place, so
a reader never sees a half-written version; the database records which version is current.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.index.bm25 import BM25Index
from knowledge.index.dense import DenseIndex
from knowledge.index.entries import Entry

FORMAT = 1


@dataclass
class LoadedIndex:
    version: str
    manifest: dict[str, Any]
    entries: list[Entry]
    bm25: BM25Index
    dense: DenseIndex


def new_version() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def write_index(
    root: Path,
    version: str,
    manifest: dict[str, Any],
    entries: list[Entry],
    bm25: BM25Index,
    dense: DenseIndex,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    final = root / version
    tmp = root / f".tmp-{version}"
    tmp.mkdir()
    try:
        with (tmp / "entries.jsonl").open("w", encoding="utf-8") as out:
            for entry in entries:
                out.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
        bm25.save(tmp)
        dense.save(tmp)
        full = {"format": FORMAT, "version": version, "entries": len(entries), **manifest}
        (tmp / "manifest.json").write_text(json.dumps(full, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def read_index(root: Path, version: str) -> LoadedIndex:
    directory = root / version
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    with (directory / "entries.jsonl").open(encoding="utf-8") as source:
        entries = [Entry.from_json(json.loads(line)) for line in source if line.strip()]
    return LoadedIndex(
        version, manifest, entries, BM25Index.load(directory), DenseIndex.load(directory)
    )


def prune_versions(root: Path, keep: set[str], keep_latest: int = 3) -> None:
    """Delete old version directories, keeping the named ones and the newest few."""
    if not root.exists():
        return
    versions = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for path in versions[:-keep_latest]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
