"""Chunking that follows the numbering of Chinese official documents.

Headings are recognised at four levels, ``一、`` › ``(一)`` › ``1.`` › ``(1)`` (Markdown
``#`` headings map to the same levels), and every chunk keeps its heading path for
citations. A chunk's text is always a verbatim slice of the document, at most
``max_chars`` long, cut at sentence ends where a paragraph is longer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.normalize import fold_width

MAX_CHARS = 400
TITLE_CHARS = 24
HEADING_CHARS = 30  # a numbered line this short, with nothing after its title, is a heading

_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^([一二三四五六七八九十百]+、)")),
    (2, re.compile(r"^(\([一二三四五六七八九十]+\))")),
    (3, re.compile(r"^(\d{1,2}[.、](?!\d))")),
    (4, re.compile(r"^(\(\d{1,2}\))")),
)
_MARKDOWN = re.compile(r"^(#{1,6})\s+")
_INLINE_ITEM = re.compile(r"(?:(?<=^)|(?<=[。;:]))\(\d{1,2}\)")
_SENTENCE_END = re.compile(r"(?<=[。;!?])")


@dataclass(frozen=True)
class Heading:
    level: int
    label: str
    title: str

    @property
    def display(self) -> str:
        title = self.title if len(self.title) <= TITLE_CHARS else self.title[:TITLE_CHARS] + "…"
        return f"{self.label}{title}"


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    headings: tuple[Heading, ...]
    text: str

    @property
    def section(self) -> str:
        """The heading path for citations, e.g. ``三、重点任务 › (四)深入实施… › 5.积极开展…``."""
        return " › ".join(h.display for h in self.headings) or "正文"

    @property
    def context(self) -> str:
        """Heading titles, prepended to the text when it is indexed (not when it is shown)."""
        return " ".join(h.title for h in self.headings)


def _heading(line: str) -> tuple[int, str] | None:
    folded = fold_width(line)
    md = _MARKDOWN.match(folded)
    if md:
        return min(len(md.group(1)), 4), ""
    for level, pattern in _LEVELS:
        match = pattern.match(folded)
        if match:
            return level, match.group(1)
    return None


def _first_sentence(text: str) -> str:
    end = re.search(r"[。;:!?]", text)
    return (text[: end.start()] if end else text).strip()


def _pieces(text: str, max_chars: int) -> list[str]:
    """Sentence-aligned slices of ``text``, each at most ``max_chars`` long."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in filter(None, _SENTENCE_END.split(text)):
        while len(sentence) > max_chars:  # one overlong sentence: cut at a comma near the limit
            cut = max(sentence.rfind(",", 0, max_chars), sentence.rfind(",", 0, max_chars))
            cut = cut + 1 if cut > max_chars // 2 else max_chars
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if len(current) + len(sentence) > max_chars:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def _inline_items(line: str) -> list[tuple[str | None, str]]:
    """Split a paragraph at inline ``(1)``, ``(2)`` items: [(label or None, text)]."""
    folded = fold_width(line)
    starts = [m.start() for m in _INLINE_ITEM.finditer(folded)]
    if not starts:
        return [(None, line)]
    parts: list[tuple[str | None, str]] = []
    if starts[0] > 0:
        parts.append((None, line[: starts[0]]))
    for begin, end in zip(starts, [*starts[1:], len(line)], strict=True):
        label = re.match(r"\(\d{1,2}\)", folded[begin:])
        parts.append((label.group(0) if label else None, line[begin:end]))
    return parts


def chunk_document(text: str, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of a policy text, in document order, each with its heading path."""
    path: list[Heading] = []
    chunks: list[Chunk] = []

    def emit(headings: tuple[Heading, ...], body: str) -> None:
        for piece in _pieces(body.strip(), max_chars):
            if piece.strip():
                chunks.append(Chunk(len(chunks), headings, piece.strip()))

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        found = _heading(line)
        if found:
            level, label = found
            rest = line[len(label) :] if label else _MARKDOWN.sub("", fold_width(line))
            title = _first_sentence(rest)
            path = [h for h in path if h.level < level]
            path.append(Heading(level, label, title))
            only_title = rest.strip().rstrip("。").strip() == title
            if not label or (only_title and len(title) <= HEADING_CHARS):
                continue
        for item_label, body in _inline_items(line):
            headings = tuple(path)
            if item_label:
                headings = (
                    *tuple(h for h in path if h.level < 4),
                    Heading(4, item_label, _first_sentence(body[len(item_label) :])),
                )
            emit(headings, body)
    return chunks
