"""The one learning-curve chart: a metric against epochs or steps, one line per series.

Three lessons draw learning curves: the MNIST page (mean over seeds per activation with a
min–max band, train and test loss told apart by dash), the Gradients page (probe loss or
accuracy per run against the training step) and the Playground (train and test per epoch,
redrawn several times a second). ``learning_curve_chart`` draws all three.

Validating an Altair chart costs ~20 ms, so the chart is encoded once per style (and per band
and dash patterns) and each call only swaps in fresh data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import altair as alt
import pandas as pd

from actlab import i18n
from actlab.charts import palette
from actlab.charts.common import legend_selection
from actlab.i18n import _

# Patterns of the ``dash`` series in sorted order: "test loss" solid, "train loss" dashed.
DASH_PATTERNS = ([1, 0], [5, 4], [2, 2], [8, 3, 2, 3])


@dataclass(frozen=True)
class _Style:
    """Everything the encoding depends on (hashable: one cached template per style)."""

    x: str
    y: str
    series: str
    x_title: str
    y_title: str
    series_title: str
    title: str
    legend: str
    height: int
    log_y: bool
    zero: bool
    markers: bool
    band: tuple[str, str] | None  # drawn: the data have some spread
    dash: str | None
    dash_title: str
    dash_values: tuple[str, ...]
    series_values: tuple[str, ...]  # their colours (and dashes) come from actlab.charts.palette
    tooltip: tuple[str | tuple[str, str], ...]
    language: str  # the template's own words ("lowest seed") are in it


def learning_curve_chart(
    data: pd.DataFrame,
    *,
    y: str,
    series: str,
    x: str = "step",
    x_title: str | None = None,
    y_title: str | None = None,
    series_title: str | None = None,
    title: str = "",
    legend: str = "legend",
    height: int = 320,
    log_y: bool = False,
    zero: bool = True,
    markers: bool = False,
    band: tuple[str, str] | None = None,
    dash: str | None = None,
    dash_title: str = "",
    tooltip: Sequence[str | tuple[str, str]] = (),
) -> alt.LayerChart:
    """``y`` against ``x`` (``"step"`` or ``"epoch"``), one coloured line per ``series`` value.

    - ``band`` (low, high columns): a shaded min–max band around each line (the seeds' spread),
      drawn only when some row has high > low (one seed: no band).
    - ``dash``: a column whose values are told apart by dash within one colour (train vs test
      loss); sorted, the first is solid. With one value the lines are simply solid.
    - ``log_y`` for a log axis; ``zero=False`` lets a linear axis start near the data.
    - ``markers`` draws a dot at every record (few points: evaluations); otherwise invisible
      dots only widen the hover target.
    - ``legend``: the name of the legend selection (unique per page): click an entry to
      highlight it. Hovering shows the values (``tooltip`` adds columns, ``"step:Q"``, or
      ``("step:Q", title)`` with the title the tooltip shows).

    Rows with no ``y`` value (no training loss before the first step) are left out. Long series
    names are never cut in the legend.
    """
    rows = data.dropna(subset=[y])
    spread = band is not None and bool((rows[band[1]] > rows[band[0]]).any())
    style = _Style(
        x=x,
        y=y,
        series=series,
        x_title=x_title or x,
        y_title=y_title or y,
        series_title=series_title or series,
        title=title,
        legend=legend,
        height=height,
        log_y=log_y,
        zero=zero,
        markers=markers,
        band=band if spread else None,
        dash=dash,
        dash_title=dash_title or (dash or ""),
        dash_values=tuple(sorted(map(str, rows[dash].unique()))) if dash else (),
        series_values=tuple(dict.fromkeys(map(str, rows[series]))),
        tooltip=tuple(tooltip),
        language=i18n.language(),
    )
    return _template(style).properties(data=rows)


@lru_cache(maxsize=64)
def _template(style: _Style) -> alt.LayerChart:
    """The chart without data: its layers share the top-level data set by the caller."""
    selection = legend_selection(style.series, name=style.legend)
    scale = alt.Scale(type="log") if style.log_y else alt.Scale(zero=style.zero)
    base = alt.Chart().encode(
        # "~g": epochs print as 0.5, 1, 2, never 0.000000.
        x=alt.X(f"{style.x}:Q", title=style.x_title, axis=alt.Axis(format="~g")),
        color=palette.color(style.series, style.series_values, style.series_title),
    )
    detail = {"detail": f"{style.dash}:N"} if style.dash else {}
    line_encoding = {
        "y": alt.Y(f"{style.y}:Q", title=style.y_title, scale=scale, axis=_y_axis(style.log_y)),
        "opacity": alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        **detail,
    }
    if len(style.dash_values) > 1:
        patterns = [DASH_PATTERNS[i % len(DASH_PATTERNS)] for i in range(len(style.dash_values))]
        line_encoding["strokeDash"] = alt.StrokeDash(
            f"{style.dash}:N",
            title=style.dash_title,
            scale=alt.Scale(domain=list(style.dash_values), range=patterns),
        )
    elif style.dash is None:  # the dash is free: the series' own dashes keep 25 functions apart
        line_encoding["strokeDash"] = palette.stroke_dash(
            style.series, style.series_values, style.series_title
        )
    lines = base.mark_line(strokeWidth=2.5).encode(**line_encoding).add_params(selection)
    point_opacity = alt.condition(selection, alt.value(0.9), alt.value(0.05))
    points = base.mark_point(size=60 if style.markers else 40, filled=True).encode(
        y=alt.Y(f"{style.y}:Q", title=style.y_title),  # the lines' title: one per axis
        opacity=point_opacity if style.markers else alt.value(0),
        tooltip=_tooltip(style),
        **(
            {"shape": alt.Shape(f"{style.dash}:N", title=style.dash_title, legend=None)}
            if style.dash
            else {}
        ),
    )
    layers = [lines, points]
    if style.band is not None:
        low, high = style.band
        area = base.mark_area(opacity=0.18).encode(
            y=alt.Y(f"{low}:Q", title=style.y_title, scale=scale),
            y2=f"{high}:Q",
            opacity=alt.condition(selection, alt.value(0.18), alt.value(0.03)),
            **detail,
        )
        layers.insert(0, area)
    chart = alt.layer(*layers).properties(height=style.height)
    if style.title:
        chart = chart.properties(title=style.title)
    return chart.configure_legend(labelLimit=0)


def _y_axis(log: bool) -> alt.Axis:
    """One number style per axis: powers of ten on a log axis (1e-6 and 1e-8 alike)."""
    return alt.Axis(format=".0e") if log else alt.Axis(format="~g")


def _tooltip(style: _Style) -> list[alt.Tooltip]:
    y_title = (
        _("{title} (mean over seeds)").format(title=style.y_title) if style.band else style.y_title
    )
    tips = [alt.Tooltip(f"{style.series}:N", title=style.series_title)]
    if style.dash:
        tips.append(alt.Tooltip(f"{style.dash}:N", title=style.dash_title))
    tips += [
        alt.Tooltip(f"{style.x}:Q", format=".4g", title=style.x_title),
        alt.Tooltip(f"{style.y}:Q", format=".6g", title=y_title),
    ]
    if style.band:
        tips += [
            alt.Tooltip(f"{style.band[0]}:Q", format=".6g", title=_("lowest seed")),
            alt.Tooltip(f"{style.band[1]}:Q", format=".6g", title=_("highest seed")),
        ]
    return tips + [
        alt.Tooltip(column) if isinstance(column, str) else alt.Tooltip(column[0], title=column[1])
        for column in style.tooltip
    ]
