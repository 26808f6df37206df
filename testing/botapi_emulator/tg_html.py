"""Telegram text rules: the HTML parse mode, entity offsets and length limits.

Mirrors the behaviour of the real Bot API closely enough to catch the bugs that matter:

* only Telegram's tags are accepted (``b strong i em u ins s strike del a code pre span
  tg-spoiler blockquote tg-emoji``); anything else is ``Unsupported start tag``;
* tags must be balanced and properly nested;
* ``&lt; &gt; &amp; &quot;`` and numeric entities are decoded; an unknown ``&name;`` stays
  literal text, as in Telegram;
* a bare ``<`` that does not start a valid tag is an error;
* lengths and entity offsets are counted in UTF-16 code units (a CJK character is 1,
  most emoji are 2), after parsing and after stripping surrounding whitespace.

``Markdown``/``MarkdownV2`` texts are accepted unchecked and counted raw.
"""

from __future__ import annotations

import re
from typing import Any

from .models import APIError

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}

_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
    "span": "spoiler", "tg-spoiler": "spoiler", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""\s+([a-zA-Z_][a-zA-Z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


class HTMLParseError(ValueError):
    """Raised with Telegram's wording (without the ``can't parse entities:`` prefix)."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
    return _NAMED.get(body)


def unescape(text: str) -> str:
    """Decode the entities Telegram knows; leave everything else untouched."""
    return _ENTITY_RE.sub(lambda m: _decode_entity(m) or m.group(0), text)


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; raise ``HTMLParseError``."""
    out: list[str] = []
    pos = 0  # utf-16 position in the output
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            m = _ENTITY_RE.match(src, i)
            decoded = _decode_entity(m) if m else None
            piece = decoded if decoded is not None else "&"
            i = m.end() if (m and decoded is not None) else i + 1
        elif ch == "<" and src.startswith("</", i):
            i = _close_tag(src, i, stack, entities, pos)
            continue
        elif ch == "<":
            i = _open_tag(src, i, stack, pos)
            continue
        else:
            piece = ch
            i += 1
        out.append(piece)
        pos += utf16_len(piece)
    if stack:
        raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(src: str, i: int, stack: list[tuple[str, dict[str, str], int]], pos: int) -> int:
    m = _NAME_RE.match(src, i + 1)
    name = m.group(0).lower() if m else ""
    if name not in _TAG_ENTITY:
        raise HTMLParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, i)}'
        )
    j = m.end() if m else i + 1
    attrs: dict[str, str] = {}
    while True:
        am = _ATTR_RE.match(src, j)
        if not am:
            break
        value = am.group(2) or ""
        if value[:1] in ('"', "'"):
            value = value[1:-1]
        attrs[am.group(1).lower()] = unescape(value)
        j = am.end()
    while j < len(src) and src[j].isspace():
        j += 1
    if j >= len(src):
        raise HTMLParseError(f"Unclosed start tag at byte offset {_byte_offset(src, i)}")
    if src[j] != ">":
        raise HTMLParseError(
            f'Expected equal sign in declaration of an attribute of the tag "{name}" '
            f"at byte offset {_byte_offset(src, j)}"
        )
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HTMLParseError('Tag "span" must have class "tg-spoiler"')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HTMLParseError("Custom emoji entity must contain a valid custom emoji identifier")
    stack.append((name, attrs, pos))
    return j + 1


def _close_tag(
    src: str,
    i: int,
    stack: list[tuple[str, dict[str, str], int]],
    entities: list[dict[str, Any]],
    pos: int,
) -> int:
    end = src.find(">", i)
    if end < 0:
        raise HTMLParseError(f"Unclosed end tag at byte offset {_byte_offset(src, i)}")
    name = src[i + 2 : end].strip().lower()
    if not stack:
        raise HTMLParseError(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
    open_name, attrs, start = stack[-1]
    if name != open_name:
        raise HTMLParseError(
            f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
            f'expected "</{open_name}>", found "</{name}>"'
        )
    stack.pop()
    _add_entity(open_name, attrs, start, pos, stack, entities)
    return end + 1


def _add_entity(
    name: str,
    attrs: dict[str, str],
    start: int,
    end: int,
    stack: list[tuple[str, dict[str, str], int]],
    entities: list[dict[str, Any]],
) -> None:
    if end <= start:
        return
    kind = _TAG_ENTITY[name]
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    language = attrs.get("class", "")
    if name == "code" and stack and stack[-1][0] == "pre" and language.startswith("language-"):
        stack[-1][1]["_language"] = language[len("language-") :]
        return
    if name == "pre" and attrs.get("_language"):
        entity["language"] = attrs["_language"]
    elif name == "a":
        if not attrs.get("href"):
            return
        entity["url"] = attrs["href"]
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    result = []
    for ent in entities:
        start = max(ent["offset"] - shift, 0)
        end = min(ent["offset"] + ent["length"] - shift, limit)
        if end > start:
            result.append({**ent, "offset": start, "length": end - start})
    return stripped, result


def render_text(
    raw: Any,
    parse_mode: Any,
    entities: Any,
    *,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Validate a text/caption as sendMessage/sendPhoto would; return ``(text, entities)``.

    Raises ``APIError(400, ...)`` with Telegram's descriptions.
    """
    text = "" if raw is None else str(raw)
    ents: list[dict[str, Any]] = list(entities) if isinstance(entities, list) else []
    mode = None
    if parse_mode not in (None, ""):
        mode = PARSE_MODES.get(str(parse_mode).lower())
        if mode is None:
            raise APIError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    if mode == "HTML":
        try:
            text, ents = parse_html(text)
        except HTMLParseError as exc:
            raise APIError(400, f"Bad Request: can't parse entities: {exc}") from None
    text, ents = _strip(text, ents)
    if not text and not caption:
        raise APIError(400, "Bad Request: message text is empty")
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    if utf16_len(text) > limit:
        what = "message caption is too long" if caption else "message is too long"
        raise APIError(400, f"Bad Request: {what}")
    return text, ents
