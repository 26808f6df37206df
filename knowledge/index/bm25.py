"""BM25 over a sparse matrix of precomputed term weights (Lucene's idf and length norm).

Scoring a query is one sparse column slice and a product, so it stays fast at a million
passages; query terms carry weights (synonyms count less than typed words).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

K1 = 1.5
B = 0.75


class BM25Index:
    def __init__(
        self, matrix: sparse.csc_matrix, vocab: dict[str, int], idf: npt.NDArray[np.float32]
    ) -> None:
        self.matrix = matrix
        self.vocab = vocab
        self.idf = idf

    @property
    def size(self) -> int:
        return int(self.matrix.shape[0])

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> BM25Index:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.zeros(len(documents), dtype=np.float32)
        for row, doc in enumerate(documents):
            lengths[row] = len(doc)
            tf: dict[int, int] = {}
            for token in doc:
                col = vocab.setdefault(token, len(vocab))
                tf[col] = tf.get(col, 0) + 1
            rows.extend([row] * len(tf))
            cols.extend(tf.keys())
            counts.extend(tf.values())
        n = len(documents)
        shape = (n, max(len(vocab), 1))
        tf_matrix = sparse.csr_matrix((np.asarray(counts, np.float32), (rows, cols)), shape=shape)
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1]).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = k1 * (1.0 - b + b * lengths / max(avgdl, 1e-9))
        coo = tf_matrix.tocoo()
        tf_values = coo.data
        # Lucene form (no (k1 + 1) factor: a constant that changes no ranking).
        weights = idf[coo.col] * tf_values / (tf_values + norm[coo.row])
        matrix = sparse.csc_matrix((weights.astype(np.float32), (coo.row, coo.col)), shape=shape)
        return cls(matrix, vocab, idf)

    def scores(self, query: dict[str, float]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for a weighted bag of query tokens."""
        cols = [self.vocab[t] for t in query if t in self.vocab]
        if not cols:
            return np.zeros(self.size, dtype=np.float32)
        weights = np.asarray([query[t] for t in query if t in self.vocab], dtype=np.float32)
        result = self.matrix[:, cols] @ weights
        return np.asarray(result, dtype=np.float32).ravel()

    def search(
        self, query: dict[str, float], k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        scores = self.scores(query)
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return top[keep].astype(np.int64), scores[top][keep]

    def coverage(self, typed: set[str], rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Per row, the idf-weighted share of the typed words it contains.

        Words the index has never seen count with the highest idf: a question about the
        weather finds nothing of itself in a policy text.
        """
        if not typed or rows.size == 0:
            return np.zeros(rows.size, dtype=np.float32)
        max_idf = float(self.idf.max()) if self.idf.size else 1.0
        known = sorted(t for t in typed if t in self.vocab)
        total = max_idf * (len(typed) - len(known))
        if not known:
            return np.zeros(rows.size, dtype=np.float32)
        cols = [self.vocab[t] for t in known]
        weights = self.idf[cols].astype(np.float32)
        total += float(weights.sum())
        present = (self.matrix[:, cols].tocsr()[rows] != 0).astype(np.float32)
        shares = np.asarray(present @ weights, dtype=np.float32).ravel() / total
        return shares

    def idf_of(self, token: str) -> float | None:
        col = self.vocab.get(token)
        return None if col is None else float(self.idf[col])

    def save(self, directory: Path) -> None:
        sparse.save_npz(directory / "bm25.npz", self.matrix.tocsc())
        np.save(directory / "bm25_idf.npy", self.idf)
        (directory / "bm25_vocab.json").write_text(
            json.dumps(self.vocab, ensure_ascii=False), "utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        matrix = sparse.load_npz(directory / "bm25.npz").tocsc()
        idf = np.load(directory / "bm25_idf.npy")
        vocab = json.loads((directory / "bm25_vocab.json").read_text("utf-8"))
        return cls(matrix, vocab, idf)
