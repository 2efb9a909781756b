"""ui.safe_text: visitor text echoed through Markdown renders as exactly that text."""

from __future__ import annotations

import re
import string

import pytest

from ui.safe_text import WORD_JOINER, literal, shorten

PAYLOADS = [
    "[Click](https://evil.example)",
    "![t](http://host/x.png)",
    "<img src=x onerror=alert(1)>",
    ":red[alarm] :material/home: $x^2$",
    "x.__class__",
    "**bold** _it_ `code` ~~gone~~",
    "# heading\n- item",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_every_markdown_character_is_escaped(text):
    escaped = literal(text)
    # Removing one backslash before each punctuation character gives the text back...
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text
    # ...and no punctuation character is left unescaped.
    for i, char in enumerate(escaped):
        if char in string.punctuation and char != "\\":
            assert escaped[i - 1] == "\\", (text, escaped)


def test_control_characters_become_spaces_and_long_text_is_cut():
    assert literal("a\x00b\x1bc") == "a b c"
    assert literal("abcdef", limit=4) == "abc…"
    assert shorten("abc", 3) == "abc"
    assert literal(ValueError("x.__class__")) == "x\\.\\_\\_class\\_\\_"


def test_autolinks_are_broken_by_an_invisible_joiner():
    for text in ["https://evil.example", "HTTP://evil", "www.evil.example", "me@evil.example"]:
        escaped = literal(text)
        assert WORD_JOINER in escaped
        assert "http\\:" not in escaped.lower() and "www\\." not in escaped
    assert WORD_JOINER not in literal("x.__class__ 3.14 a: b")
