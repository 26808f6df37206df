"""Hybrid retrieval: keyword (BM25) and dense candidates, scored per answer unit.

An *answer unit* is one place in one document: a passage, together with the FAQ entries
and subsidy rules that rest on its clause. FAQ wordings and rules are more ways to find
that place, not rivals of it, so a unit is listed once, and a document's FAQ competes with
other documents' passages on equal terms.

Each unit gets a few signals — its rank on either side (reciprocal rank fusion), its best
dense similarity relative to the best unit, its keyword score relative to the best, the
share of the question's words it contains, and whether it states the kind of answer asked
for (an amount, a duration, a date, …) — and the score is their weighted sum. The weights
were fitted on development corpora of different kinds (a plan with its FAQ, national and
regional laws, an office 办法) and checked on the corpus left out; see ``RankingWeights``.
Ties are broken by the unit's key, so the same index gives the same order in every process.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np

from knowledge.embedding import Embedder
from knowledge.index.entries import Entry
from knowledge.index.store import LoadedIndex
from knowledge.question_types import SPECIFIC, gives, question_type, says_unspecified
from knowledge.tokenize import weighted_query_tokens

CANDIDATES = 60
SPREAD_FLOOR = 0.05
DENSE_FLOOR = 1.0  # a unit loses at most this many spreads to a better dense match
CONTEXT_WEIGHT = 0.5  # words of the earlier question a follow-up is read with


@dataclass(frozen=True)
class RankingWeights:
    """How much each signal counts (see the module docstring)."""

    rrf_k: float = 20.0
    rrf: float = 5.0  # times 1/(k + rank) on each side
    dense: float = 1.5  # times (similarity - best) / spread (see search), <= 0
    bm25: float = 0.5  # times (keyword score / best keyword score)
    coverage: float = 1.0
    gives: float = 0.5  # the unit states the kind of answer asked for
    silent: float = 1.0  # an FAQ or rule saying its document does not give that specific
    faq_offset: float = 0.02  # question-to-question similarity runs higher than to passages


DEFAULT_WEIGHTS = RankingWeights()


@dataclass(frozen=True)
class Hit:
    item: str  # the answer unit
    entry: Entry  # what is shown: the FAQ answer, the rule or the passage
    score: float  # the weighted sum the units are ranked by
    dense: float  # best cosine similarity of the unit's entries
    bm25_rank: int | None
    dense_rank: int | None
    coverage: float  # idf-weighted share of the typed query words the unit contains
    passage: Entry | None = None  # the clause the unit stands on, when it is not the entry
    gives: bool = False  # states the kind of answer the question asks for
    # The signals the score is made of, in RankingWeights order (for fitting the weights).
    signals: tuple[float, ...] = ()


@dataclass
class _Unit:
    key: str
    entries: list[int]
    dense: float = 0.0
    bm25: float = 0.0
    coverage: float = 0.0
    shown: int = 0
    bm25_rank: int | None = None
    dense_rank: int | None = None


class Searcher:
    """Answers "which units fit this question best" over one loaded index version."""

    def __init__(
        self, index: LoadedIndex, embedder: Embedder, weights: RankingWeights = DEFAULT_WEIGHTS
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.weights = weights
        known = {entry.item for entry in index.entries}
        self._unit_of: list[str] = []
        self._members: dict[str, list[int]] = defaultdict(list)
        self._passage: dict[str, int] = {}
        # Question-to-question similarity runs higher: FAQ wordings pay an offset.
        self._faq_offsets = np.asarray(
            [weights.faq_offset if e.kind == "faq" else 0.0 for e in index.entries], np.float32
        )
        for entry_id, entry in enumerate(index.entries):
            unit = entry.support if entry.support in known else entry.item
            self._unit_of.append(unit)
            self._members[unit].append(entry_id)
            if entry.kind == "passage":
                self._passage.setdefault(unit, entry_id)

    def search(
        self,
        question: str,
        k: int = 10,
        include_expired: bool = False,
        today: date | None = None,
        context: str | None = None,
    ) -> list[Hit]:
        """The best units for a question; ``context`` is the same chat's earlier question
        when this one follows up on it ("那外观设计呢?"): its words count at half weight,
        and what it asked for (an amount, …) stands unless this question asks otherwise."""
        today = today or date.today()
        w = self.weights
        asked = question_type(question) or (question_type(context) if context else None)
        query = weighted_query_tokens(question)
        if context:
            for token, weight in weighted_query_tokens(context).items():
                query.setdefault(token, CONTEXT_WEIGHT * weight)
        bm_scores = self.index.bm25.scores(query)
        vector = self.embedder.embed_queries([f"{question} {context}" if context else question])[0]
        dense_ids, dense_scores = self.index.dense.search(vector, CANDIDATES)
        seen_dense = dict(zip(dense_ids.tolist(), dense_scores.tolist(), strict=True))

        bm_top = np.argsort(-bm_scores, kind="stable")[:CANDIDATES]
        entry_ids = [int(i) for i in bm_top if bm_scores[i] > 0] + dense_ids.tolist()
        units: dict[str, _Unit] = {}
        for entry_id in entry_ids:
            key = self._unit_of[entry_id]
            if key in units:
                continue
            members = self._members[key]
            anchor = self.index.entries[self._passage.get(key, members[0])]
            if not include_expired and anchor.expired(today):
                continue
            units[key] = _Unit(key, members)
        if not units:
            return []
        floor = float(dense_scores.min()) if dense_scores.size else 0.0
        typed = {t for t, weight in query.items() if weight >= 1.0}
        # Every entry of every candidate unit, scored in one pass on each side.
        all_ids = np.asarray([i for u in units.values() for i in u.entries], dtype=np.int64)
        sims = self.index.dense.similarities(vector, all_ids)
        if sims is None:  # approximate index: the candidates' scores, else the floor
            sims = np.asarray([seen_dense.get(int(i), floor) for i in all_ids], np.float32)
        sims = sims - self._faq_offsets[all_ids]
        shares = self.index.bm25.coverage(typed, all_ids)
        start = 0
        for unit in units.values():
            end = start + len(unit.entries)
            best = start + int(np.argmax(sims[start:end]))
            unit.dense, unit.shown = float(sims[best]), int(all_ids[best])
            unit.bm25 = float(bm_scores[all_ids[start:end]].max())
            unit.coverage = float(shares[start:end].max())
            start = end

        ranked = list(units.values())
        for attribute, rank_field in (("bm25", "bm25_rank"), ("dense", "dense_rank")):
            order = sorted(ranked, key=lambda u: (-getattr(u, attribute), u.key))
            for rank, unit in enumerate(order):
                if attribute == "dense" or unit.bm25 > 0:
                    setattr(unit, rank_field, rank)
        top_dense = max(u.dense for u in ranked)
        # Dense similarity counts relative to how far the best stands above the typical
        # candidate when that is wide: models differ in their spread of cosines (e5's sit
        # within 0.8-0.95, others spread over 0.2-0.9), and raw gaps would weigh by model.
        # Below SPREAD_FLOOR (the default model's usual case) the gap counts as it is.
        median = float(np.median([u.dense for u in ranked]))
        spread = max(top_dense - median, SPREAD_FLOOR)
        top_bm = max(u.bm25 for u in ranked) or 1.0

        hits: list[Hit] = []
        for unit in ranked:
            entry = self.index.entries[unit.shown]
            passage_id = self._passage.get(unit.key)
            passage = self.index.entries[passage_id] if passage_id is not None else None
            clause = passage.text if passage is not None else entry.text
            # What is shown must state it: an FAQ answer by its own words (its clause may
            # hold a figure the answer does not give); a rule and a passage by the clause
            # they quote.
            states = gives(entry.text, asked) or (entry.kind != "faq" and gives(clause, asked))
            silent = asked in SPECIFIC and entry.kind != "passage" and says_unspecified(entry.text)
            rrf = sum(
                1.0 / (w.rrf_k + rank)
                for rank in (unit.bm25_rank, unit.dense_rank)
                if rank is not None
            )
            signals = (
                rrf,
                max((unit.dense - top_dense) / spread, -DENSE_FLOOR),
                unit.bm25 / top_bm,
                unit.coverage,
                float(states),
                -float(silent),
            )
            score = sum(
                weight * signal
                for weight, signal in zip(
                    (w.rrf, w.dense, w.bm25, w.coverage, w.gives, w.silent), signals, strict=True
                )
            )
            hits.append(
                Hit(
                    item=unit.key,
                    entry=entry,
                    score=score,
                    dense=unit.dense,
                    bm25_rank=unit.bm25_rank,
                    dense_rank=unit.dense_rank,
                    coverage=unit.coverage,
                    passage=passage if passage is not entry else None,
                    gives=states,
                    signals=signals,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.item))
        return hits[:k]
