"""Answers as Telegram HTML: the answer, then its sources, every piece of text escaped,
split into messages that each fit Telegram's 4096-character limit.

Splitting happens on the plain text before escaping, at paragraph, line or sentence
boundaries where possible, so that no message ends inside an entity (``&amp;``) or a tag.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import html

from core.i18n import Translator
from knowledge.answer import Answer

TELEGRAM_LIMIT = 4096
MAX_SOURCES = 3
MAX_CITATION_PART = 200
# Preferred places to cut, best first: paragraph, line, Chinese and Latin sentence ends.
BOUNDARIES = ("\n\n", "\n", "。", "!", "?", ";", ". ", "! ", "? ", ",", ", ", " ")


def telegram_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of leading characters whose escaped form fits in ``limit``."""
    used = 0
    for index, char in enumerate(text):
        used += telegram_len(html.quote(char))
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Plain text cut into pieces whose *escaped* form fits in ``limit`` each."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        end = _fitting_prefix(rest, limit)
        if end == len(rest):
            pieces.append(rest)
            break
        cut = end
        for boundary in BOUNDARIES:
            found = rest.rfind(boundary, 0, end - len(boundary) + 1)
            if found > end // 2:
                cut = found + len(boundary)
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [piece for piece in pieces if piece]


def pack(fragments: Iterable[str], limit: int = TELEGRAM_LIMIT, sep: str = "\n\n") -> list[str]:
    """Join HTML fragments (each within ``limit``) into as few messages as fit."""
    messages: list[str] = []
    current = ""
    for fragment in fragments:
        candidate = f"{current}{sep}{fragment}" if current else fragment
        if telegram_len(candidate) <= limit:
            current = candidate
        else:
            if current:
                messages.append(current)
            current = fragment
    if current:
        messages.append(current)
    return messages


def _clip(text: str, limit: int = MAX_CITATION_PART) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_sources(answer: Answer, t: Translator) -> str | None:
    """《document》section lines for the distinct sources of an answered question."""
    if not answer.answered or not answer.sources:
        return None
    seen: dict[tuple[str, str], str] = {}
    for source in answer.sources:
        if source.officer_answer:  # 工作人员答复（office，date）
            line = html.quote(source.cited or source.citation)
        else:
            line = f"《{html.quote(_clip(source.document))}》{html.quote(_clip(source.section))}"
        seen.setdefault((source.document, source.section), line)
        if len(seen) == MAX_SOURCES:
            break
    lines = [f"{n}. {line}" for n, line in enumerate(seen.values(), start=1)]
    return html.bold(html.quote(t("bot.ask.sources"))) + "\n" + "\n".join(lines)


def render_answer(answer: Answer, t: Translator, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The messages to send for one answer, in order."""
    # The sources are listed under the text: the body, not the text with its citation.
    fragments = [html.quote(piece) for piece in split_text(answer.body, limit)]
    sources = render_sources(answer, t)
    if sources is not None:
        fragments.append(sources)
    return pack(fragments, limit)


def render_plain(text: str, header: str | None = None, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Someone's plain text (an officer's answer), escaped and split, under an HTML header."""
    fragments = [header] if header else []
    # Leave room for the header so that it shares the first message with the text.
    room = limit - telegram_len(header) - 1 if header else limit
    fragments += [html.quote(piece) for piece in split_text(text, room)]
    return pack(fragments, limit, sep="\n")
