"""Thread pinning for the numeric libraries (FAISS, OpenBLAS, the embedding engine's OpenMP).

A single question is fastest on one thread: OpenMP teams spin-wait, and on a busy
2-core machine a 2-thread query embedding was measured ~9x slower than a 1-thread one.
Throughput comes from serving several requests at once instead. Libraries loaded later
(the embedding model is loaded lazily) need the limit applied again, hence a function.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def pin_threads(count: int) -> None:
    """Limit every loaded BLAS and OpenMP library (including FAISS's) to ``count`` threads."""
    import faiss

    faiss.omp_set_num_threads(count)
    threadpool_limits(limits=count)
