"""Validation of Telegram HTML (``parse_mode=HTML``) before a campaign is saved.

Telegram refuses a message whose markup it cannot parse, so a campaign with broken
markup would fail for every recipient. We check what Telegram checks: only the tags it
knows, with the attributes it knows, properly nested and closed, only the named entities
it knows, and the length of the text that remains after parsing (UTF-16 code units).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from core.errors import InvalidInput

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# tag -> attributes it may carry (Telegram Bot API, "HTML style").
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);?")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.parts: list[str] = []
        # The first problem found: its English message, catalog key and parameters.
        self.problems: list[InvalidInput] = []

    def refuse(self, message: str, key: str, **params: str) -> None:
        self.problems.append(InvalidInput(message, key=f"errors.html.{key}", params=params))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            self.refuse(f"tag <{tag}> is not allowed", "tag", tag=tag)
            return
        for name, value in attrs:
            if name not in allowed:
                self.refuse(
                    f"attribute {name!r} is not allowed on <{tag}>", "attribute", tag=tag, name=name
                )
            elif tag == "a" and not (value or "").strip():
                self.refuse("<a> needs a non-empty href", "href_empty")
            elif tag == "span" and value != "tg-spoiler":
                self.refuse('<span> only takes class="tg-spoiler"', "span")
        if tag == "a" and not any(name == "href" for name, _ in attrs):
            self.refuse("<a> needs an href", "href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refuse(f"self-closing <{tag}/> is not allowed", "self_closing", tag=tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.refuse(f"tag </{tag}> is not allowed", "tag", tag=f"/{tag}")
        elif not self.stack or self.stack[-1] != tag:
            if self.stack:
                expected = f"</{self.stack[-1]}>"
                self.refuse(
                    f"</{tag}> does not match: expected {expected}",
                    "mismatch",
                    tag=tag,
                    expected=expected,
                )
            else:
                self.refuse(f"</{tag}> does not match: expected no closing tag", "stray", tag=tag)
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.parts.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.refuse("comments are not allowed", "comment")

    def handle_decl(self, decl: str) -> None:
        self.refuse("declarations are not allowed", "declaration")

    def handle_pi(self, data: str) -> None:
        self.refuse("processing instructions are not allowed", "declaration")


def plain_text(markup: str, *, limit: int = MESSAGE_LIMIT, field_name: str = "text") -> str:
    """The text Telegram will show for ``markup``; ``InvalidInput`` naming the first problem.

    Raises when a tag or attribute is not one Telegram accepts, tags are unbalanced, an
    entity is unknown, a bare ``<``/``&`` would confuse the parser, the text is empty, or
    the parsed text is longer than ``limit`` UTF-16 code units.
    """
    for match in _ENTITY.finditer(markup):
        name = match.group(1)
        if not name.startswith("#") and name not in NAMED_ENTITIES:
            raise InvalidInput(
                f"unknown HTML entity &{name};",
                field=field_name,
                key="errors.html.entity",
                params={"entity": f"&{name};"},
            )
    if re.search(r"&(?![A-Za-z#][A-Za-z0-9]*;)", markup):
        raise InvalidInput(
            "a bare '&' must be written &amp;", field=field_name, key="errors.html.bare_amp"
        )
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    if checker.rawdata or re.search(r"<(?![A-Za-z/])", markup):
        raise InvalidInput(
            "a bare '<' must be written &lt;", field=field_name, key="errors.html.bare_lt"
        )
    if checker.problems:
        first = checker.problems[0]
        raise InvalidInput(first.message, field=field_name, key=first.key, params=first.params)
    if checker.stack:
        tag = checker.stack[-1]
        raise InvalidInput(
            f"<{tag}> is never closed",
            field=field_name,
            key="errors.html.unclosed",
            params={"tag": tag},
        )
    text = unescape("".join(checker.parts))
    if not text.strip():
        raise InvalidInput("the text is empty", field=field_name, key="errors.html.empty")
    length = utf16_len(text)
    if length > limit:
        raise InvalidInput(
            f"the text is {length} characters after parsing; the limit is {limit}",
            field=field_name,
            key="errors.html.too_long",
            params={"length": length, "limit": limit},
        )
    return text
