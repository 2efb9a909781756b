"""Shared Altair building blocks: overlaid series with an interactive legend and tooltips."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from actlab.charts import palette

alt.data_transformers.disable_max_rows()


def legend_selection(field: str, name: str = "legend") -> alt.Parameter:
    """A point selection bound to the legend: click an entry to highlight that series."""
    return alt.selection_point(fields=[field], bind="legend", name=name)


def overlaid_lines(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str = "",
    log_y: bool = False,
    height: int = 320,
    tooltip: Sequence[str | alt.Tooltip] = (),
    series_title: str | None = None,
    selection: alt.Parameter | None = None,
) -> alt.Chart:
    """Lines of ``y`` against ``x``, one per value of ``series``.

    Clicking a legend entry fades the other series; hovering shows a tooltip with the exact
    values. ``tooltip`` adds extra columns to the readout. Pass ``selection`` to share the
    legend selection with other layers.
    """
    selection = selection or legend_selection(series)
    scale = alt.Scale(type="log") if log_y else alt.Undefined
    base = alt.Chart(data, title=title or alt.Undefined).encode(
        x=alt.X(f"{x}:Q", title=x_title or x, axis=alt.Axis(format="~g")),
        # One number style per axis: powers of ten on a log axis (1e-6 and 1e-8 alike).
        y=alt.Y(
            f"{y}:Q",
            title=y_title or y,
            scale=scale,
            axis=alt.Axis(format=".0e" if log_y else "~g"),
        ),
        color=palette.color(series, data[series], series_title or series),
        strokeDash=palette.stroke_dash(series, data[series], series_title or series),
        opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        tooltip=[
            alt.Tooltip(f"{series}:N", title=series_title or series),
            alt.Tooltip(f"{x}:Q", format=".4g", title=x_title or x),
            alt.Tooltip(f"{y}:Q", format=".6g", title=y_title or y),
            *[c if isinstance(c, alt.Tooltip) else alt.Tooltip(c) for c in tooltip],
        ],
    )
    lines = base.mark_line(strokeWidth=2.5).add_params(selection)
    # Invisible wide points make the hover target generous without cluttering the lines.
    hover_points = base.mark_point(size=40, filled=True).encode(
        opacity=alt.value(0), strokeDash=alt.Undefined
    )
    return (lines + hover_points).properties(height=height)
