"""Index build time, memory, search latency and approximate recall at 10k-1M chunks.

    python -m bench.index_scale [--sizes 10000,100000,1000000] [--queries 200]

Synthetic but shaped like real data: 384-d unit vectors drawn around 2,000 topic centres
(embeddings of a real corpus cluster by topic), and token lists drawn from a Zipf-shaped
vocabulary of 50,000 words, 40 tokens a chunk. Above ``EXACT_LIMIT`` the dense side is an
IVF index; its recall@10 is measured against exact search on the same vectors. Search
runs on one thread, as in the service. Query embedding is not included here (measured by
``bench.ask_latency``: add it to get the per-question figure).
"""

from __future__ import annotations

import argparse
import gc
import time

import faiss
import numpy as np

from bench.common import machine, rss_mb, summary_ms
from knowledge.index.bm25 import BM25Index
from knowledge.index.dense import EXACT_LIMIT, DenseIndex
from knowledge.threads import pin_threads

DIM = 384
TOPICS = 2000
VOCAB = 50_000
DOC_TOKENS = 40


def vectors(n: int, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        block = centres[rng.integers(0, TOPICS, m)] + 0.6 * rng.standard_normal(
            (m, DIM), dtype=np.float32
        ) / np.sqrt(DIM)
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def token_docs(n: int, rng: np.random.Generator) -> list[list[str]]:
    words = [f"w{i}" for i in range(VOCAB)]
    ids = np.minimum(rng.zipf(1.3, size=(n, DOC_TOKENS)) - 1, VOCAB - 1)
    return [[words[i] for i in row] for row in ids.tolist()]


def measure(n: int, queries: int, rng: np.random.Generator, centres: np.ndarray) -> None:
    gc.collect()
    base = rss_mb()
    data = vectors(n, centres, rng)
    probe = vectors(queries, centres, rng)
    after_data = rss_mb()

    t0 = time.perf_counter()
    dense = DenseIndex.build(data)
    dense_build = time.perf_counter() - t0
    dense_mem = rss_mb() - after_data

    timings = []
    found = []
    for q in probe:
        t = time.perf_counter()
        ids, _ = dense.search(q, 10)
        timings.append(time.perf_counter() - t)
        found.append(ids)
    kind = "IVF-SQ8 (approximate)" if dense.approximate else "flat (exact)"
    print(f"\n== {n:,} chunks  [{kind}]")
    print(
        f"dense build {dense_build:.1f} s, index memory {dense_mem:.0f} MiB "
        f"(vectors alone {data.nbytes / 2**20:.0f} MiB)"
    )
    print(f"dense search: {summary_ms(timings)}")
    if dense.approximate:
        _, exact = faiss.knn(probe, data, 10, metric=faiss.METRIC_INNER_PRODUCT)
        recall = np.mean(
            [len(set(f.tolist()) & set(e.tolist())) / 10 for f, e in zip(found, exact, strict=True)]
        )
        print(
            f"recall@10 against exact search: {recall:.3f} "
            f"(nprobe {dense.index.nprobe}, nlist {dense.index.nlist})"
        )
    del data, dense
    gc.collect()

    docs = token_docs(n, rng)
    t0 = time.perf_counter()
    bm25 = BM25Index.build(docs)
    bm25_build = time.perf_counter() - t0
    del docs
    gc.collect()
    matrix = bm25.matrix
    bm25_mem = (matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes) / 2**20
    query_ids = np.minimum(rng.zipf(1.3, size=(queries, 5)) - 1, VOCAB - 1)
    timings = []
    for row in query_ids.tolist():
        query = {f"w{i}": 1.0 for i in row}
        t = time.perf_counter()
        bm25.search(query, 50)
        timings.append(time.perf_counter() - t)
    print(
        f"bm25 build {bm25_build:.1f} s, matrix {bm25_mem:.0f} MiB "
        f"(process RSS {rss_mb():.0f} MiB, at start {base:.0f})"
    )
    print(f"bm25 search (top 50): {summary_ms(timings)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    pin_threads(1)
    rng = np.random.default_rng(42)
    centres = rng.standard_normal((TOPICS, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    print(f"machine: {machine()}; exact search up to {EXACT_LIMIT:,} chunks; 1 search thread")
    for n in (int(s) for s in args.sizes.split(",")):
        measure(n, args.queries, rng, centres)


if __name__ == "__main__":
    main()
