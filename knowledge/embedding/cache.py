"""An embedder that remembers the vectors it computed, in memory and optionally on disk.

Evaluation and the test suite build many indexes over the same texts: with this wrapper
each distinct (query or passage, text) is embedded once. The on-disk file is a plain
``.npz`` keyed by the model name, so a cache made with another model is never read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.embedding.base import Embedder, Vectors


def _key(is_query: bool, text: str) -> str:
    return ("q" if is_query else "p") + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class CachingEmbedder:
    def __init__(self, inner: Embedder, path: Path | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.path = path
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) == self.name:
                    keys, vectors = data["keys"], data["vectors"]
                    self._cache = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [_key(is_query, t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True)
                                     if k not in self._cache))  # fmt: skip
        if missing:
            embed = self.inner.embed_queries if is_query else self.inner.embed_passages
            for text, vector in zip(missing, embed(missing), strict=True):
                self._cache[_key(is_query, text)] = vector
            self._dirty = True
        return np.stack([self._cache[k] for k in keys]).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, False)

    def save(self) -> None:
        """Write the cache file (if one was given and anything new was embedded)."""
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._cache)
        vectors = np.stack([self._cache[k] for k in keys]).astype(np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, model=np.array(self.name), keys=np.array(keys), vectors=vectors)
        tmp.replace(self.path)
        self._dirty = False
