"""Dense search in FAISS: exact inner product for small corpora, IVF above a threshold.

Vectors are L2-normalised, so inner product is cosine similarity. The approximate index's
recall against exact search is measured by ``bench/index_scale.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 100_000


def _ivf_lists(n: int) -> int:
    """About 2·sqrt(n) inverted lists: 2,000 at a million vectors."""
    return int(min(65536, max(256, 2 * math.sqrt(n))))


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self._vectors: npt.NDArray[np.float32] | None = None  # exact index: kept for rescoring

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @property
    def approximate(self) -> bool:
        return not isinstance(self.index, faiss.IndexFlat)

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], exact_limit: int = EXACT_LIMIT) -> DenseIndex:
        n, dim = vectors.shape
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if n <= exact_limit:
            index: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            nlist = _ivf_lists(n)
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            rng = np.random.default_rng(0)
            # k-means on 40 vectors a list (FAISS asks for 39) gives stable centroids and keeps the
            # build to tens of seconds at a million vectors on two cores.
            sample = vectors[rng.choice(n, size=min(n, 40 * nlist), replace=False)]
            index.train(sample)
            index.nprobe = max(16, nlist // 48)
        index.add(vectors)
        return cls(index)

    def search(
        self, query: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, ids = self.index.search(
            np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k
        )
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def similarities(
        self, query: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32] | None:
        """Cosine of the query with these stored vectors (exact index), else None."""
        if self.approximate:
            return None
        if self._vectors is None:
            self._vectors = self.reconstruct_all()
        result: npt.NDArray[np.float32] = self._vectors[ids] @ query.astype(np.float32)
        return result

    def reconstruct_all(self) -> npt.NDArray[np.float32]:
        """All stored vectors (exact index only), to reuse embeddings on a rebuild."""
        if self.approximate:
            raise ValueError("vectors of an approximate index are not kept exactly")
        return np.asarray(self.index.reconstruct_n(0, self.size), dtype=np.float32)

    def save(self, directory: Path) -> None:
        faiss.write_index(self.index, str(directory / "dense.faiss"))

    @classmethod
    def load(cls, directory: Path) -> DenseIndex:
        return cls(faiss.read_index(str(directory / "dense.faiss")))
