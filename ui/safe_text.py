"""Text from visitors, shown as text: the one escape every Markdown echo goes through.

Streamlit renders messages, captions, toasts, expander and widget labels as Markdown, with its
own extensions (``:material/icon:``, ``:red[...]``, ``$math$``) and GitHub's autolinks. A URL
value or a typed formula echoed there could draw a link, load a remote image or restyle the page
(``[Click](https://evil.example)``, ``![t](http://host/x.png)``) and garble honest text
(``x.__class__`` shown as ``x.class`` in bold). CommonMark lets any ASCII punctuation character be
backslash-escaped, which disarms all of these at once while the text reads the same. GitHub's
autolinks (``https://…``, ``www.…``, ``name@host``) survive escapes, so an invisible word joiner
breaks each of their starts.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_AUTOLINK_START = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp|www)(?=[:.])|@")
WORD_JOINER = "\u2060"  # invisible, and no autolink spans it
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def literal(text: object, limit: int | None = None) -> str:
    """``text`` as Markdown that renders exactly these characters: no link, image, HTML, icon,
    colour, math or emphasis. Control characters become spaces; ``limit`` shortens first."""
    plain = _CONTROL.sub(" ", str(text))
    if limit is not None:
        plain = shorten(plain, limit)
    plain = _AUTOLINK_START.sub(lambda m: m.group(0) + WORD_JOINER, plain)
    return _PUNCTUATION.sub(r"\\\1", plain)
