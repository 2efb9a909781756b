"""Issue 14's proof: one visual language across every page.

Walks every lesson (and each tab) inside the router, as a lecturer's link would open it, with
presenter mode off and on, and reads every Vega-Lite spec the page draws: each activation has one
colour everywhere (the one actlab.charts.palette fixes), legend symbols are opaque, and in
presenter mode every chart text is at least 18 px.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from apptest_helpers import app_path, chart_specs, open_via_router, rerun
from streamlit.testing.v1 import AppTest

from actlab import activations, gated
from actlab.charts import palette
from ui.export import PRESENTING
from ui.lessons import LESSONS

pytestmark = pytest.mark.slow

PRESS = "press"  # not a link key: the button to press once the view is open (a training)
# Links carry the labels shown on screen (ui.bound), not ids.
MANY = [
    activations.display_name(name)
    for name in ["relu", "sigmoid", "tanh", "gelu", "silu", "elu", "mish", "selu", "softplus"]
]
EVERY = [activations.display_name(name) for name in activations.names()]
GATED = [gated.display_name(name) for name in gated.names()]  # GLU, ReGLU, GEGLU, SwiGLU
# Each lesson's views: the default view, each tab, and views with many activations at once.
VIEWS = {
    "explorer": [{}, {"ex_fns": EVERY, "ex_d2": "true"}],
    "nonlinearity": [{}, {"nl_fit": MANY, "nl_mid": "GELU"}],
    "playground": [{}],
    "gradients": [
        {"gr_act": MANY, "gr_depth": "6", "gr_width": "32"},
        {"gr_act": ["ReLU", *GATED], "gr_depth": "6", "gr_width": "32"},
        {"gr_tab": "Does it learn?", PRESS: "gr_lgo"},
        {"gr_tab": "Dead ReLU", PRESS: "gr_dgo"},
    ],
    "softmax": [
        {"sm_tab": tab}
        for tab in (
            "Playground",
            "Numerics lab",
            "Losses and gradients",
            "nll_loss needs log-probabilities",
        )
    ],
    "mnist": [{}],
}
MIN_PRESENTER_TEXT = 18


def lesson_views() -> Iterator[tuple[str, dict]]:
    for lesson in LESSONS:
        for view in VIEWS.get(lesson.url_path, [{}]):
            yield lesson.path, view


def walk(node) -> Iterator[dict]:
    """Every dict inside a spec (layers, concatenations, encodings, config)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def series_colours(spec: dict) -> dict[str, str]:
    """``{series label: colour}`` from every colour scale in the spec with a fixed domain."""
    found = {}
    for node in walk(spec):
        scale = node.get("scale") if "field" in node else None
        if not (isinstance(scale, dict) and "domain" in scale and "range" in scale):
            continue
        if isinstance(scale["range"], list) and all(isinstance(c, str) for c in scale["range"]):
            found |= dict(zip(map(str, scale["domain"]), scale["range"], strict=False))
    return found


def font_sizes(spec: dict) -> list[tuple[str, float]]:
    return [
        (key, value)
        for node in walk(spec)
        for key, value in node.items()
        if key in ("labelFontSize", "titleFontSize", "fontSize", "subtitleFontSize")
        and isinstance(value, int | float)
    ]


@pytest.fixture(scope="module")
def specs_by_view() -> dict[tuple[str, str, bool], list[dict]]:
    collected = {}
    for path, view in lesson_views():
        for presenting in (False, True):
            query = {k: v for k, v in view.items() if k != PRESS}
            if PRESS in view:
                # AppTest loses a button click made through the router's st.navigation, so a
                # view that trains runs its page alone, presenter mode set as the router would.
                at = AppTest.from_file(app_path(path), default_timeout=180)
                at.query_params.update(query)
                at.session_state[PRESENTING] = presenting
                rerun(at).button(key=view[PRESS]).click()
                rerun(at)
            else:
                query |= {"present": "true"} if presenting else {}
                at = open_via_router(path, query)
            assert not at.exception, (path, query, at.exception)
            collected[(path, repr(view), presenting)] = chart_specs(at)
    return collected


def test_every_page_view_draws_charts(specs_by_view):
    # The MNIST page draws charts from a training run (tests/test_page_mnist.py runs one); the
    # playground draws on a canvas in its own component (tests/test_browser_playground.py).
    drawn_elsewhere = ("mnist", "playground")
    empty = [
        key
        for key, specs in specs_by_view.items()
        if not specs and not any(page in key[0] for page in drawn_elsewhere)
    ]
    assert not empty, empty


def test_each_activation_has_one_colour_everywhere_and_it_is_the_palettes(specs_by_view):
    seen: dict[str, set[str]] = defaultdict(set)
    for specs in specs_by_view.values():
        for spec in specs:
            for label, colour in series_colours(spec).items():
                style = palette.label_style(label)
                if style is not None:
                    seen[label].add(colour.lower())
                    assert colour.lower() == style.colour.lower(), (label, colour, style)
    assert {"ReLU", "Sigmoid", "Tanh", "GELU", *GATED} <= set(seen), sorted(seen)
    assert all(len(colours) == 1 for colours in seen.values())


def test_legend_symbols_are_opaque(specs_by_view):
    for key, specs in specs_by_view.items():
        for spec in specs:
            assert spec["config"]["legend"]["symbolOpacity"] == 1, key
            for node in walk(spec):
                legend = node.get("legend")
                if isinstance(legend, dict):
                    assert legend.get("symbolOpacity", 1) == 1, (key, legend)


def test_presenter_mode_chart_text_is_at_least_18_px(specs_by_view):
    for (path, view, presenting), specs in specs_by_view.items():
        if not presenting:
            continue
        for spec in specs:
            small = [(k, v) for k, v in font_sizes(spec) if v < MIN_PRESENTER_TEXT]
            assert not small, (path, view, small, spec.get("title"))
