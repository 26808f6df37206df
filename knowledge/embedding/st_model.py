"""Any sentence-transformers model, by hub name or local path (the production path).

Weights are never fetched at run time unless the operator allows it: the model must be
in the local cache or given as a folder. Models that need an instruction or prefix
(bge's query instruction, e5's ``query:``) get it from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge.embedding.base import Vectors, l2_normalize


class SentenceTransformerEmbedder:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from sentence_transformers import SentenceTransformer  # heavy import: only when chosen

        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        self.name = f"sentence-transformers:{model}"
        # sentence-transformers 6 renamed the method; older releases only have the old name.
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:
            raise ValueError(f"model {model!r} does not report an embedding dimension")
        self.dimension = int(dimension)
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalize(np.asarray(vectors, dtype=np.float32))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._passage_prefix)
