"""Chart export renders real files offline (vl-convert ships its own Vega)."""

from __future__ import annotations

import pytest

from actlab import explorer
from actlab.charts.explorer import curve_chart
from actlab.export import EXPORT_WIDTH, chart_png, chart_svg


@pytest.fixture(scope="module")
def chart():
    table = explorer.curves({"relu": {}, "tanh": {}}, -3, 3, 61)
    return curve_chart(table, "f", explorer.saturation_zones(table, 0.05))


def test_svg_is_a_drawing_of_the_chart(chart):
    svg = chart_svg(chart)
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "ReLU" in svg and "Tanh" in svg  # the legend labels are in the drawing
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    assert width > EXPORT_WIDTH  # plot width plus axis and legend


def test_png_is_a_png_at_the_requested_scale(chart):
    png = chart_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width > EXPORT_WIDTH
    assert int.from_bytes(chart_png(chart, scale=2)[16:20], "big") == pytest.approx(
        2 * width, abs=2
    )
    with pytest.raises(ValueError, match="10"):
        chart_png(chart, scale=10)


def test_cached_streamlit_spec_exports_the_same_drawing(chart):
    from ui.export import cacheable_spec

    spec = cacheable_spec(chart)
    assert all(isinstance(rows, bytes) for rows in spec["datasets"].values())
    svg = chart_svg(spec)
    assert "ReLU" in svg and "Tanh" in svg
    assert chart_png(spec, scale=1)[:8] == b"\x89PNG\r\n\x1a\n"
