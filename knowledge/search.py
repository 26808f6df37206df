"""Hybrid retrieval: BM25 and dense candidates fused per answerable item.

Both sides return their best entries; entries are grouped into items (an FAQ's wordings
are one item) and ranked by reciprocal rank fusion. Each hit also carries the raw
signals the answer's confidence is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from knowledge.embedding import Embedder
from knowledge.index.entries import Entry
from knowledge.index.store import LoadedIndex
from knowledge.tokenize import weighted_query_tokens

CANDIDATES = 50
RRF_K = 20.0
DENSE_WEIGHT = 1.0
BM25_WEIGHT = 1.0


@dataclass(frozen=True)
class Hit:
    item: str
    entry: Entry
    score: float  # fused score used for ranking
    dense: float  # best cosine similarity of the item's entries
    bm25_rank: int | None
    dense_rank: int | None
    coverage: float  # idf-weighted share of the typed query words the item contains


class Searcher:
    """Answers "which items fit this question best" over one loaded index version."""

    def __init__(self, index: LoadedIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._max_idf = float(np.max(index.bm25.idf)) if index.bm25.idf.size else 1.0
        self._first_entry: dict[str, int] = {}
        for entry_id, entry in enumerate(index.entries):
            self._first_entry.setdefault(entry.item, entry_id)

    def search(
        self, question: str, k: int = 10, include_expired: bool = False, today: date | None = None
    ) -> list[Hit]:
        today = today or date.today()
        query = weighted_query_tokens(question)
        bm_ids, _ = self.index.bm25.search(query, CANDIDATES)
        vector = self.embedder.embed_queries([question])[0]
        dense_ids, dense_scores = self.index.dense.search(vector, CANDIDATES)

        best_bm: dict[str, tuple[int, int]] = {}  # item -> (rank, entry id)
        for rank, entry_id in enumerate(bm_ids.tolist()):
            item = self.index.entries[entry_id].item
            best_bm.setdefault(item, (rank, entry_id))
        best_dense: dict[str, tuple[int, int, float]] = {}
        for rank, (entry_id, score) in enumerate(
            zip(dense_ids.tolist(), dense_scores.tolist(), strict=True)
        ):
            item = self.index.entries[entry_id].item
            best_dense.setdefault(item, (rank, entry_id, float(score)))

        candidates = {e for _, e in best_bm.values()} | {e for _, e, _ in best_dense.values()}
        coverage = self._coverage({t for t, w in query.items() if w >= 1.0}, candidates)
        hits: list[Hit] = []
        for item in set(best_bm) | set(best_dense):
            bm = best_bm.get(item)
            dn = best_dense.get(item)
            entry_id = bm[1] if bm else dn[1]  # type: ignore[index]
            entry = self.index.entries[entry_id]
            if not include_expired and entry.expired(today):
                continue
            fused = (BM25_WEIGHT / (RRF_K + bm[0]) if bm else 0.0) + (
                DENSE_WEIGHT / (RRF_K + dn[0]) if dn else 0.0
            )
            entry_ids = {i for i in (bm[1] if bm else None, dn[1] if dn else None) if i is not None}
            hits.append(
                Hit(
                    item=item,
                    entry=entry,
                    score=fused,
                    dense=dn[2] if dn else self._dense_score(vector, entry_id, dense_scores),
                    bm25_rank=bm[0] if bm else None,
                    dense_rank=dn[0] if dn else None,
                    coverage=max(coverage.get(i, 0.0) for i in entry_ids),
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return self._with_support(hits)[:k]

    def _with_support(self, hits: list[Hit]) -> list[Hit]:
        """Each FAQ or rule is followed by the passage its clause comes from (once)."""
        out: list[Hit] = []
        seen: set[str] = set()
        for hit in hits:
            if hit.item in seen:
                continue
            out.append(hit)
            seen.add(hit.item)
            support = hit.entry.support
            entry_id = self._first_entry.get(support) if support else None
            if support and entry_id is not None and support not in seen:
                out.append(replace(hit, item=support, entry=self.index.entries[entry_id]))
                seen.add(support)
        return out

    def _dense_score(self, vector: np.ndarray, entry_id: int, seen: np.ndarray) -> float:
        """Cosine of an entry outside the dense candidates (exact index), else the floor seen."""
        dense = self.index.dense
        if dense.approximate:
            return float(seen.min()) if seen.size else 0.0
        return float(vector @ np.asarray(dense.index.reconstruct(int(entry_id)), dtype=np.float32))

    def _coverage(self, typed: set[str], entry_ids: set[int]) -> dict[int, float]:
        """Per entry, the idf-weighted share of the typed words it contains.

        Words the index has never seen count with the highest idf: a question about the
        weather finds nothing of itself in a policy text.
        """
        bm25 = self.index.bm25
        known = [t for t in typed if t in bm25.vocab]
        total = self._max_idf * (len(typed) - len(known))
        if not known or not entry_ids:
            return {}
        cols = [bm25.vocab[t] for t in known]
        weights = bm25.idf[cols].astype(np.float32)
        total += float(weights.sum())
        rows = sorted(entry_ids)
        present = (bm25.matrix[:, cols].tocsr()[rows] != 0).astype(np.float32)
        shares = np.asarray(present @ weights).ravel() / total
        return dict(zip(rows, shares.tolist(), strict=True))
