"""Charts of the Activation Explorer: overlaid f / f' / f'' with saturation shading."""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.charts import palette
from actlab.charts.common import legend_selection, overlaid_lines
from actlab.i18n import N_, _

CURVE_TITLES = {"f": "f(x)", "df": N_("f′(x) (autograd)"), "d2f": N_("f″(x) (autograd)")}


def curve_chart(
    table: pd.DataFrame,
    column: str,
    zones: pd.DataFrame | None = None,
    height: int = 340,
    x_title: str = "x",
) -> alt.LayerChart:
    """One curve per activation; ``zones`` (x_start, x_end) shades where |f′| is tiny.

    Clicking a legend entry highlights that curve and shows only its saturation zone. The
    spec carries only the columns drawn (``activation``, ``x``, ``column``).
    """
    selection = legend_selection("activation", name=f"legend_{column}")
    lines = overlaid_lines(
        table[["activation", "x", column]],
        x="x",
        y=column,
        series="activation",
        x_title=x_title,
        y_title=_(CURVE_TITLES[column]),
        series_title=_("activation"),
        height=height,
        selection=selection,
    )
    if zones is None or zones.empty:
        return lines
    shading = (
        alt.Chart(zones)
        .mark_rect()
        .encode(
            x=alt.X("x_start:Q", title=x_title),
            x2="x_end:Q",
            color=palette.color("activation", table["activation"], _("activation")),
            opacity=alt.condition(selection, alt.value(0.1), alt.value(0.0)),
            tooltip=[
                alt.Tooltip("activation:N", title=_("activation")),
                alt.Tooltip("x_start:Q", format=".3g", title=_("saturated from")),
                alt.Tooltip("x_end:Q", format=".3g", title=_("to")),
            ],
        )
    )
    return alt.layer(shading, lines)


def derivative_check_chart(table: pd.DataFrame, height: int = 300, x_title: str = "x") -> alt.Chart:
    """Autograd f′ (solid) against the hand-written closed form (dashed) for each function."""
    long = table.melt(
        id_vars=["activation", "x"],
        value_vars=["df", "df_exact"],
        var_name="method",
        value_name="derivative",
    )
    long["method"] = long["method"].map({"df": "autograd", "df_exact": _("closed form")})
    long = long.dropna(subset=["derivative"])  # typed formulas have no closed form
    selection = legend_selection("activation", name="check_legend")
    return (
        alt.Chart(long)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("x:Q", title=x_title),
            y=alt.Y("derivative:Q", title="f′(x)"),
            color=palette.color("activation", long["activation"], _("activation")),
            strokeDash=alt.StrokeDash("method:N", title=_("computed by")),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
            tooltip=[
                alt.Tooltip("activation:N", title=_("activation")),
                alt.Tooltip("method:N", title=_("computed by")),
                alt.Tooltip("x:Q", format=".4g"),
                alt.Tooltip("derivative:Q", format=".6g", title=_("derivative")),
            ],
        )
        .add_params(selection)
        .properties(height=height)
    )
