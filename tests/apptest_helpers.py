"""Small helpers for AppTest-based page tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def app_path(relative: str) -> str:
    """Absolute path of a repo file: AppTest resolves relative paths against the caller."""
    return str(ROOT / relative)


def run_page(
    path: str, timeout: float = 120, query: dict | None = None, errors_allowed: bool = True
) -> AppTest:
    """Run a page script alone; ``query`` sets URL parameters first, as a shared link would.

    Fails on an exception, and on an ``st.error`` box too unless ``errors_allowed``.
    """
    at = AppTest.from_file(app_path(path), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return rerun(at, errors_allowed)


def rerun(at: AppTest, errors_allowed: bool = False) -> AppTest:
    """Run ``at`` again and check it ran cleanly (no exception; no error box unless allowed)."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if not errors_allowed:
        assert not at.error, [e.value for e in at.error]
    return at


def set_widgets(at: AppTest, values: dict) -> AppTest:
    """Set widget values through session state, as a user would, and rerun."""
    for key, value in values.items():
        at.session_state[key] = value
    return rerun(at, errors_allowed=True)


def shown(markdown: str) -> str:
    """What a Markdown message reads as on screen: backslash escapes and word joiners gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def chart_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite specs (without data) of every Altair chart on the page."""
    return [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]


def chart_frames(at: AppTest) -> list[list[pd.DataFrame]]:
    """The datasets of every chart (Streamlit ships them as Arrow next to the spec)."""
    return [
        [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]
        for element in at.get("vega_lite_chart")
    ]


def chart_rows(at: AppTest, chart: int, column: str) -> pd.DataFrame:
    """The first dataset of chart number ``chart`` that has ``column``."""
    return next(f for f in chart_frames(at)[chart] if column in f.columns)


def chart_data(at: AppTest) -> list[list[str]]:
    """A comparable fingerprint of all chart data, to check a widget changed what is drawn."""
    return [[f.to_csv() for f in frames] for frames in chart_frames(at)]


def open_via_router(page: str, query: dict | None = None, timeout: float = 180) -> AppTest:
    """Run ``page`` inside streamlit_app.py's router (the shared frame included), as a link
    with ``query`` would open it. Exceptions are left for the caller to check."""
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=timeout)
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def rendered_markdown(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown: bodies of markdown, captions,
    alerts and toasts; labels and help of widgets and expanders; radio and pills options."""
    texts: list[str] = []

    def visit(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and node.type not in ("code", "latex", "vega_lite_chart"):
            for field in ("body", "label", "help"):
                value = getattr(proto, field, None)
                if isinstance(value, str) and value:
                    texts.append(value)
            if node.type in ("radio", "button_group"):
                # A pills option (button_group) is a message: its text is its content.
                texts.extend(
                    getattr(option, "content", None) or str(option)
                    for option in getattr(proto, "options", [])
                )
        label = getattr(node, "label", None)
        if node.type == "expander" and isinstance(label, str):
            texts.append(label)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return texts
