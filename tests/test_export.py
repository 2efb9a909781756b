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


def test_downloads_made_from_functions_keep_neither_table_nor_spec(monkeypatch):
    """Streamlit keeps a session's download callables until its next run (and a closed tab's
    session for minutes): given functions, they must hold those, not the data."""
    from functools import partial

    import altair as alt
    import pandas as pd

    from ui import export

    made = []

    class Column:
        def download_button(self, label, make, **kwargs):
            made.append(make)

    monkeypatch.setattr(export, "draw", lambda spec: None)
    monkeypatch.setattr(export.st, "columns", lambda n, **kwargs: [Column() for _ in range(n)])
    monkeypatch.setattr(export, "presenting", lambda: True)

    def table(rows: int) -> pd.DataFrame:
        return pd.DataFrame({"x": range(rows), "y": range(rows)})

    def chart(rows: int) -> alt.Chart:
        return alt.Chart(table(rows)).mark_line().encode(x="x:Q", y="y:Q")

    export.chart_with_downloads(partial(chart, 50), partial(table, 50), "t")

    def held(function, seen=None) -> list:
        """Everything a callable's closure cells and partial arguments reach (functions walked)."""
        seen = seen if seen is not None else []
        cells = [c.cell_contents for c in getattr(function, "__closure__", None) or ()]
        if isinstance(function, partial):
            cells += [function.func, *function.args, *function.keywords.values()]
        for value in cells:
            if any(value is s for s in seen):
                continue
            seen.append(value)
            if callable(value) and not isinstance(value, type):
                held(value, seen)
        return seen

    for make in made:
        kept = held(make)
        assert not any(isinstance(v, pd.DataFrame | alt.TopLevelMixin) for v in kept)
        assert not any(isinstance(v, dict) and "datasets" in v for v in kept)
    png, svg, csv = (make() for make in made)
    assert png.startswith(b"\x89PNG") and "<svg" in str(svg)[:300]
    assert csv.decode().splitlines()[:2] == ["x,y", "0,0"]
