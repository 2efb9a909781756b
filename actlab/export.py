"""Charts as files: SVG/PNG rendered offline by vl-convert (bundled Vega, no browser, no CDN)."""

from __future__ import annotations

import json

import altair as alt
import pyarrow as pa
import vl_convert as vlc

EXPORT_WIDTH = 800


def _spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec with a fixed width (a "container" width means nothing offline).

    Accepts an Altair chart or its already-built spec (pages cache specs to skip rebuilding),
    whose datasets may be Arrow IPC bytes, the form Streamlit ships them in.
    """
    spec = dict(chart) if isinstance(chart, dict) else chart.to_dict()
    spec["datasets"] = {
        name: pa.ipc.open_stream(rows).read_all().to_pylist() if isinstance(rows, bytes) else rows
        for name, rows in spec.get("datasets", {}).items()
    }
    if "layer" in spec or "mark" in spec:
        spec["width"] = EXPORT_WIDTH
    return json.loads(json.dumps(spec))


def chart_svg(chart: alt.TopLevelMixin | dict) -> str:
    return vlc.vegalite_to_svg(_spec(chart))


def chart_png(chart: alt.TopLevelMixin | dict, scale: float = 2.0) -> bytes:
    """A PNG at ``scale`` times the chart size: 2 keeps it sharp on slides and projectors."""
    if not 0.5 <= scale <= 4:
        # internal: ui.export always asks for scale 2
        raise ValueError(f"PNG scale must be between 0.5 and 4, got {scale!r}")
    return vlc.vegalite_to_png(_spec(chart), scale=scale)
