"""Index backends: BM25 parity with a reference implementation, approximate dense recall."""

from __future__ import annotations

import bm25s
import faiss
import numpy as np
import pytest

from knowledge.chunking import chunk_document
from knowledge.index.bm25 import BM25Index
from knowledge.index.dense import DenseIndex
from knowledge.pack import PACK_DIR
from knowledge.threads import pin_threads
from knowledge.tokenize import tokens


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    text = (PACK_DIR / "documents" / "jiaozuo-ip-pilot-city-plan-2014.txt").read_text("utf-8")
    return [tokens(c.text) for c in chunk_document(text)]


@pytest.mark.parametrize(
    "query", ["知识产权质押融资", "专利申请资助 发明专利", "消除零专利申请专项行动"]
)
def test_bm25_scores_match_the_bm25s_reference(corpus: list[list[str]], query: str) -> None:
    ours = BM25Index.build(corpus)
    reference = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    reference.index(corpus, show_progress=False)
    terms = list(dict.fromkeys(tokens(query)))
    expected = reference.get_scores(terms)
    got = ours.scores(dict.fromkeys(terms, 1.0))
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert got.max() > 0


def test_bm25_weights_scale_a_terms_contribution(corpus: list[list[str]]) -> None:
    index = BM25Index.build(corpus)
    full = index.scores({"质押": 1.0})
    half = index.scores({"质押": 0.5})
    assert np.allclose(half, full * 0.5)
    assert index.search({"不存在的词": 1.0}, 5)[0].size == 0


def test_approximate_index_recall_against_exact_search() -> None:
    pin_threads(1)
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((50, 64)).astype(np.float32)
    data = centres[rng.integers(0, 50, 20_000)] + 0.3 * rng.standard_normal((20_000, 64)).astype(
        np.float32
    )
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.integers(0, 20_000, 100)] + 0.05 * rng.standard_normal((100, 64)).astype(
        np.float32
    )
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)

    approximate = DenseIndex.build(data, exact_limit=1_000)
    exact = DenseIndex.build(data)
    assert approximate.approximate and not exact.approximate
    _, truth = faiss.knn(queries, data, 10, metric=faiss.METRIC_INNER_PRODUCT)
    recall = np.mean(
        [
            len(set(approximate.search(q, 10)[0].tolist()) & set(t.tolist())) / 10
            for q, t in zip(queries, truth, strict=True)
        ]
    )
    assert recall >= 0.9
    assert all(
        exact.search(q, 10)[0].tolist() == t.tolist()
        for q, t in zip(queries[:20], truth[:20], strict=True)
    )
