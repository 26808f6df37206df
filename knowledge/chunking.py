"""Chunking that follows the structure of Chinese laws, regulations, 办法 and plans.

Two conventions are recognised, and may be mixed in one document:

- **Legislation** (laws, regulations, 办法): ``第X编`` › ``第X章`` › ``第X节`` › ``第X条``,
  with ``附则`` as a chapter. A chunk is one article (条) with all its paragraphs (款) and
  items ((一)(二) 项); an article longer than ``max_chars`` is split at paragraph
  boundaries, and every piece keeps the article number in its section.
- **Outlines** (plans, notices): ``一、`` › ``(一)`` › ``1.`` › ``(1)``; a chunk is one
  paragraph, and inline ``(1)`` items are chunks of their own.

Markdown ``#`` headings take the level of their hash count, except the document's first
line when it is a level-1 heading (the title, which is not a section). Every chunk keeps its
heading path for citations, and its text is always a verbatim slice of the document, at
most ``max_chars`` long, cut at sentence ends where a paragraph is longer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.normalize import fold_width
from knowledge.tokenize import words

MAX_CHARS = 400
TITLE_CHARS = 24
HEADING_CHARS = 30  # a numbered line this short, with nothing after its title, is a heading

_NUM = r"[一二三四五六七八九十百千零〇两\d]+"
# Legislation: level, pattern. The article pattern needs a separator or text after it.
_LEGAL: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^(第{_NUM}编)\s*")),
    (2, re.compile(rf"^(第{_NUM}章)\s*")),
    (2, re.compile(r"^(附\s*则)\s*$")),
    (3, re.compile(rf"^(第{_NUM}节)\s*")),
)
ARTICLE_LEVEL = 4
_ARTICLE = re.compile(rf"^(第{_NUM}条)(?:\s+|(?=[^\s款项]))")
_OUTLINE: tuple[tuple[int, re.Pattern[str]], ...] = (
    (5, re.compile(r"^([一二三四五六七八九十百]+、)")),
    (6, re.compile(r"^(\([一二三四五六七八九十]+\))")),
    (7, re.compile(r"^(\d{1,2}[.、](?!\d))")),
    (8, re.compile(r"^(\(\d{1,2}\))")),
)
_MARKDOWN = re.compile(r"^(#{1,6})\s+")
_INLINE_ITEM = re.compile(r"(?:(?<=^)|(?<=[。;:]))\(\d{1,2}\)")
_SENTENCE_END = re.compile(r"(?<=[。;!?])")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


_PHRASE_END = re.compile(r"[,，、;；:：。!！?？\s]")


def clip_title(title: str, limit: int = TITLE_CHARS) -> str:
    """A long heading cut for a citation at the end of a phrase (a comma, 、, a colon …)
    within ``limit`` characters, else at the last word boundary: never inside a word."""
    if len(title) <= limit:
        return title
    ends = [m.start() for m in _PHRASE_END.finditer(title, 0, limit + 1)]
    if ends and ends[-1] >= limit // 3:
        return title[: ends[-1]].rstrip() + "…"
    cut = 0
    for word in words(title):
        if cut + len(word) > limit:
            break
        cut += len(word)
    return title[: cut or limit].rstrip() + "…"


@dataclass(frozen=True)
class Heading:
    level: int
    label: str
    title: str

    @property
    def display(self) -> str:
        title = clip_title(self.title)
        if self.level == ARTICLE_LEVEL or not title:
            return self.label
        if self.level < ARTICLE_LEVEL and self.label:  # 第一章 总则: a space, as printed
            return f"{self.label} {title}"
        return f"{self.label}{title}"

    @property
    def is_article(self) -> bool:
        return self.level == ARTICLE_LEVEL


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    headings: tuple[Heading, ...]
    text: str

    @property
    def article(self) -> Heading | None:
        return next((h for h in reversed(self.headings) if h.is_article), None)

    @property
    def section(self) -> str:
        """Where the chunk stands, for citations: the article (``第四十条``) in legislation,
        else the heading path (``三、重点任务 › (四)深入实施… › 5.积极开展…``)."""
        article = self.article
        if article is not None:
            return article.label
        return " › ".join(h.display for h in self.headings) or "正文"

    @property
    def context(self) -> str:
        """Heading titles, prepended to the text when it is indexed (not when it is shown)."""
        return " ".join(h.title or h.label for h in self.headings if not h.is_article)


def _squeeze(label: str) -> str:
    """``附 则`` → ``附则``; ``第一章`` stays."""
    return re.sub(r"\s+", "", label)


def _legal_heading(folded: str) -> tuple[int, str, str] | None:
    """(level, label, title) of a 编/章/节/附则 line, or of an article's start."""
    for level, pattern in _LEGAL:
        match = pattern.match(folded)
        if match:
            title = _CJK_GAP.sub("", folded[match.end() :].strip())  # 总 则 → 总则
            return level, _squeeze(match.group(1)), title
    match = _ARTICLE.match(folded)
    if match:
        return ARTICLE_LEVEL, match.group(1), ""
    return None


def _outline_heading(folded: str) -> tuple[int, str] | None:
    for level, pattern in _OUTLINE:
        match = pattern.match(folded)
        if match:
            return level, match.group(1)
    return None


def without_article_number(text: str) -> str:
    """``第六条　对…`` → ``对…``: a clause quoted under a citation that names its article."""
    stripped = text.strip()
    match = _ARTICLE.match(fold_width(stripped))  # width folding keeps the label's length
    return stripped[match.end() :].lstrip() if match else stripped


def starts_a_heading(line: str) -> bool:
    """Whether a line opens an article, a chapter or an outline item (for PDF unwrapping)."""
    folded = fold_width(line.strip())
    return bool(_MARKDOWN.match(folded) or _legal_heading(folded) or _outline_heading(folded))


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


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, stripped line) of every non-blank line, offsets into ``text``."""
    out: list[tuple[int, str]] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            out.append((offset + raw.index(stripped[0]), stripped))
        offset += len(raw)
    return out


class _Chunker:
    def __init__(self, text: str, max_chars: int) -> None:
        self.text = text
        self.max_chars = max_chars
        self.chunks: list[Chunk] = []
        self.path: list[Heading] = []
        # The open article: its lines as (offset, line), emitted at the next heading.
        self.article: list[tuple[int, str]] = []

    def emit(self, headings: tuple[Heading, ...], body: str) -> None:
        for piece in _pieces(body.strip(), self.max_chars):
            if piece.strip():
                self.chunks.append(Chunk(len(self.chunks), headings, piece.strip()))

    def close_article(self) -> None:
        """Emit the open article: whole, or in runs of paragraphs within the size limit."""
        lines, self.article = self.article, []
        if not lines:
            return
        headings = tuple(self.path)
        runs: list[list[tuple[int, str]]] = [[]]
        size = 0
        for offset, line in lines:
            if runs[-1] and size + len(line) + 1 > self.max_chars:
                runs.append([])
                size = 0
            runs[-1].append((offset, line))
            size += len(line) + 1
        for run in runs:
            start, (last_offset, last_line) = run[0][0], run[-1]
            self.emit(headings, self.text[start : last_offset + len(last_line)])

    def set_heading(self, level: int, label: str, title: str) -> None:
        self.path = [h for h in self.path if h.level < level]
        self.path.append(Heading(level, label, title))

    def line(self, offset: int, line: str, first: bool) -> None:
        folded = fold_width(line)
        md = _MARKDOWN.match(folded)
        if md:
            self.close_article()
            rest = folded[md.end() :].strip()
            legal = _legal_heading(rest)
            if legal and legal[0] < ARTICLE_LEVEL:
                self.set_heading(*legal)
            elif not (first and len(md.group(1)) == 1):  # a level-1 first line is the title
                self.set_heading(min(len(md.group(1)), ARTICLE_LEVEL - 1), "", rest)
            return
        legal = _legal_heading(folded)
        if legal:
            self.close_article()
            level, label, title = legal
            self.set_heading(level, label, title)
            if level == ARTICLE_LEVEL:
                self.article.append((offset, line))
            return
        if self.article:  # paragraphs (款) and items (项) of the open article
            self.article.append((offset, line))
            return
        self.outline_line(line, folded)

    def outline_line(self, line: str, folded: str) -> None:
        found = _outline_heading(folded)
        if found:
            level, label = found
            rest = line[len(label) :]
            title = _first_sentence(rest)
            self.set_heading(level, label, title)
            only_title = rest.strip().rstrip("。").strip() == title
            if only_title and len(title) <= HEADING_CHARS:
                return
        for item_label, body in _inline_items(line):
            headings = tuple(self.path)
            if item_label:
                headings = (
                    *tuple(h for h in self.path if h.level < 8),
                    Heading(8, item_label, _first_sentence(body[len(item_label) :])),
                )
            self.emit(headings, body)


PART_CHARS = 160


def parts(text: str, max_chars: int = PART_CHARS) -> list[str]:
    """The paragraphs (款) of a chunk, long ones cut at sentence ends: finer entries that
    find a detail a whole article's embedding blurs. [] when the chunk is one such part."""
    out: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n")):
        if paragraph:
            out.extend(p.strip() for p in _pieces(paragraph, max_chars) if p.strip())
    return out if len(out) > 1 else []


def chunk_document(text: str, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of a policy text, in document order, each with its heading path."""
    chunker = _Chunker(text, max_chars)
    for number, (offset, line) in enumerate(_lines(text)):
        chunker.line(offset, line, first=number == 0)
    chunker.close_article()
    return chunker.chunks
