"""Text normalisation applied to documents and queries alike.

Full-width forms fold to half-width (NFKC), traditional characters become simplified,
Latin letters are lower-cased and runs of whitespace collapse. Chinese punctuation that
NFKC keeps (。、;) is left alone: the chunker and the tokenizer rely on it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
# Quotation marks and dashes of many shapes, folded to one form each.
_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "～": "~"})


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold_width(text: str) -> str:
    """NFKC folding only (full-width → half-width), keeping characters otherwise as they are."""
    return unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def normalize(text: str) -> str:
    """The canonical form used for matching: width-folded, simplified, lower-case, tidy."""
    text = fold_width(text).translate(_FOLD)
    text = to_simplified(text).lower()
    return _SPACES.sub(" ", text).strip()
