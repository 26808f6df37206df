"""Unit tests of the Telegram HTML rules (no server)."""

from __future__ import annotations

import pytest

from testing.botapi_emulator.models import APIError
from testing.botapi_emulator.tg_html import HTMLParseError, parse_html, render_text, utf16_len


def test_allowed_tags_and_entities() -> None:
    html = (
        "<b>粗</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><a href="https://cnipa.gov.cn/?a=1&amp;b=2">链接</a>'
        '<code>c</code><pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">sp</span><tg-spoiler>t</tg-spoiler><blockquote>q</blockquote>'
    )
    text, ents = parse_html(html)
    assert text == "粗sieunskd链接cx = 1sptq"
    types = [e["type"] for e in ents]
    assert types.count("bold") == 2 and types.count("strikethrough") == 3
    link = next(e for e in ents if e["type"] == "text_link")
    assert link["url"] == "https://cnipa.gov.cn/?a=1&b=2"
    pre = next(e for e in ents if e["type"] == "pre")
    assert pre["language"] == "python" and types.count("code") == 1


def test_html_entities_decoded_and_unknown_kept() -> None:
    text, ents = parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#20013;&#x6587; &nbsp; AT&T")
    assert text == 'a <b> & "c" 中文 &nbsp; AT&T'
    assert ents == []


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("中<p>", 'Unsupported start tag "p" at byte offset 3'),
    ],
)
def test_html_errors(html: str, fragment: str) -> None:
    with pytest.raises(HTMLParseError) as info:
        parse_html(html)
    assert fragment in str(info.value)


def test_utf16_offsets_for_emoji_and_cjk() -> None:
    text, ents = parse_html("😀<b>专利</b>")
    assert text == "😀专利"
    assert ents == [{"type": "bold", "offset": 2, "length": 2}]
    assert utf16_len("😀专利") == 4


def test_render_text_limits_and_stripping() -> None:
    assert render_text("  <b> hi </b>  ", "HTML", None)[0] == "hi"
    assert render_text("中" * 4096, None, None)[0] == "中" * 4096
    # Markup does not count toward the limit, only parsed text does.
    assert render_text("<b>" + "a" * 4096 + "</b>", "html", None)[0] == "a" * 4096
    with pytest.raises(APIError, match="message is too long"):
        render_text("a" * 4097, None, None)
    with pytest.raises(APIError, match="message is too long"):
        render_text("😀" * 2049, None, None)  # 4098 UTF-16 units
    with pytest.raises(APIError, match="message text is empty"):
        render_text("  <b></b> ", "HTML", None)
    with pytest.raises(APIError, match="message caption is too long"):
        render_text("x" * 1025, None, None, caption=True)
    with pytest.raises(APIError, match="unsupported parse_mode"):
        render_text("x", "BBCode", None)
    assert render_text("*not* checked_", "MarkdownV2", None)[0] == "*not* checked_"
