"""The one look of every chart: dark text, solid legend symbols, sizes that follow presenter mode.

Streamlit's chart theme prints axis text in grey #808495 at ~12.75 px (3.7:1 contrast on white)
and does not grow it in presenter mode. Every chart is drawn with this Vega-Lite ``config``
instead, chosen per view: ``chart_config(presenting=True)`` puts every chart text at 20 px or
more, readable from the back of a lecture hall. It is applied when a chart is drawn, not when it
is built, so cached chart specs serve both modes.
"""

from __future__ import annotations

import copy
from typing import Any

TEXT = "#0f172a"  # the app's text colour (.streamlit/config.toml): 17.9:1 on white
MUTED = "#334155"  # axis lines and ticks: 10.4:1
GRID = "#e2e8f0"
FONT = '"Source Sans Pro", "Source Sans 3", "Noto Sans", "Noto Sans CJK SC", sans-serif'
LABEL_SIZE = {False: 14, True: 20}  # axis labels, legend labels, mark text
TITLE_SIZE = {False: 15, True: 22}  # axis and legend titles
HEADING_SIZE = {False: 17, True: 24}  # chart titles
LINE_WIDTH = 2.5


def chart_config(presenting: bool = False) -> dict[str, Any]:
    """The Vega-Lite ``config`` for every chart in this view."""
    label, title, heading = LABEL_SIZE[presenting], TITLE_SIZE[presenting], HEADING_SIZE[presenting]
    # Label and title text of axes, facet headers and legends: one style.
    text = {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": label,
        "titleFontSize": title,
        "labelFont": FONT,
        "titleFont": FONT,
    }
    axis = text | {
        "titleFontWeight": 600,
        "domainColor": MUTED,
        "tickColor": MUTED,
        "gridColor": GRID,
        "labelLimit": 400,
        "titlePadding": 8,
    }
    return {
        "font": FONT,
        "axis": axis,
        "header": text,
        "legend": text
        | {
            "labelLimit": 400,
            "symbolOpacity": 1,
            "symbolStrokeWidth": 3,
            "symbolSize": 240 if presenting else 160,
            "orient": "bottom",
            "direction": "horizontal",
            "columns": 2 if presenting else 4,  # long labels fit a half- or third-width chart
            "columnPadding": 18,
            "rowPadding": 6,
        },
        "title": {
            "color": TEXT,
            "fontSize": heading,
            "font": FONT,
            "anchor": "start",
            "subtitleColor": MUTED,
            "subtitleFontSize": label,
        },
        "text": {"fontSize": label, "color": TEXT, "font": FONT},
        "line": {"strokeWidth": LINE_WIDTH},
        "point": {"filled": True, "size": 90 if presenting else 60},
        "view": {"stroke": None},
    }


def themed(spec: dict, presenting: bool = False) -> dict:
    """A copy of the Vega-Lite ``spec`` with this view's config. The theme wins over a
    chart's own ``config`` (so no chart keeps small grey text); what a chart must place
    differently it sets on its encodings (``alt.Legend(orient=...)``), which win over config."""
    result = copy.copy(spec)
    result["config"] = _merge(spec.get("config", {}), chart_config(presenting))
    return result


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
