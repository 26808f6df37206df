"""Chinese-aware tokenisation for the keyword side of search.

Text is normalised, segmented with jieba (rjieba) in search mode with a domain dictionary,
and stopwords are dropped. Questions may be expanded with everyday-word synonyms, which
carry a lower weight than the words the user typed: the bundled lexicon
(``knowledge/lexicon/synonyms.yaml``) plus the office's own (``lexicon.yaml`` in its pack).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import rjieba
import yaml

from core.errors import InvalidInput
from knowledge.normalize import normalize

LEXICON_DIR = Path(__file__).parent / "lexicon"
SYNONYM_WEIGHT = 0.5
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


def _lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """``everyday: [formal, …]`` entries of a lexicon file, normalised; a malformed file is
    refused with a message naming it."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: invalid YAML ({exc})", field="lexicon") from exc
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in raw.values()
    ):
        raise InvalidInput(f"{path}: expected 'word: [word, ...]' entries", field="lexicon")
    return {normalize(str(k)): tuple(normalize(v) for v in vs) for k, vs in raw.items()}


# An office's own entries (its pack's lexicon.yaml), added to the bundled ones.
_office_synonyms: dict[str, tuple[str, ...]] = {}


def use_office_lexicon(path: Path | None) -> None:
    """Add an office's lexicon file (or none) to the bundled one for this process. Called
    once at start-up, before any index is built or loaded, so that documents and questions
    are cut into words the same way."""
    entries = read_synonyms(path) if path is not None and path.exists() else {}
    if entries != _office_synonyms:
        _office_synonyms.clear()
        _office_synonyms.update(entries)
        _setup.cache_clear()


@lru_cache(maxsize=1)
def _setup() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    for word in _lines(LEXICON_DIR / "domain_words.txt"):
        rjieba.add_word(normalize(word), 200000, None)
    stopwords = frozenset(normalize(w) for w in _lines(LEXICON_DIR / "stopwords.txt"))
    synonyms = read_synonyms(LEXICON_DIR / "synonyms.yaml")
    for key, values in _office_synonyms.items():
        synonyms[key] = tuple(dict.fromkeys([*synonyms.get(key, ()), *values]))
    for key in synonyms:
        rjieba.add_word(key, 100000, None)
    return stopwords, synonyms


def words(text: str) -> list[str]:
    """The text cut into words as search cuts it (the lexicon's words known), nothing
    dropped: for cutting a text at a word boundary."""
    _setup()
    return list(rjieba.cut(text))


def tokens(text: str) -> list[str]:
    """Search tokens of a text: normalised, segmented, without stopwords or punctuation."""
    stopwords, _ = _setup()
    out = []
    for token in rjieba.cut_for_search(normalize(text)):
        token = token.strip()
        if token and token not in stopwords and _WORDLIKE.search(token):
            out.append(token)
    return out


def weighted_query_tokens(question: str) -> dict[str, float]:
    """Query tokens with weights: typed words 1.0, synonyms of typed words ``SYNONYM_WEIGHT``."""
    _, synonyms = _setup()
    base = tokens(question)
    weights: dict[str, float] = {}
    for token in base:
        weights[token] = weights.get(token, 0.0) + 1.0
    normalized = normalize(question)
    for key, expansions in synonyms.items():
        if key in normalized:
            for expansion in expansions:
                for token in _expand(expansion):
                    if token not in weights:
                        weights[token] = SYNONYM_WEIGHT
    return weights


def _expand(phrase: str) -> Iterable[str]:
    stopwords, _ = _setup()
    yield from (t for t in rjieba.cut_for_search(phrase) if t not in stopwords and t.strip())
