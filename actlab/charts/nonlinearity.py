"""Charts of the why-nonlinearity lesson: DataFrame in, Altair chart out.

The playground draws its own view in its component (``ui/components/playground``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.charts import palette
from actlab.charts.common import legend_selection, overlaid_lines
from actlab.i18n import _


def classic_chain_chart(table: pd.DataFrame, height: int = 320) -> alt.LayerChart:
    """The two-layer chain, its collapsed single layer (dashed, lying on it) and the chain
    with an activation between. ``table``: ``stacking.classic_chain`` output."""
    curves = list(dict.fromkeys(table["curve"]))
    selection = legend_selection("curve", name="nl_classic_legend")
    dashes = alt.Scale(domain=curves, range=[[1, 0], [7, 5], [1, 0]][: len(curves)])
    base = alt.Chart(table).encode(
        x=alt.X("x:Q", title="x"),
        y=alt.Y("y:Q", title=_("output")),
        color=palette.color("curve", curves, _("curve")),
        strokeDash=alt.StrokeDash("curve:N", title=_("curve"), scale=dashes),
        opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        tooltip=[
            alt.Tooltip("curve:N", title=_("curve")),
            alt.Tooltip("x:Q", format=".4g"),
            alt.Tooltip("y:Q", format=".6g"),
        ],
    )
    lines = base.mark_line(strokeWidth=3).add_params(selection)
    hover = base.mark_point(size=40, filled=True).encode(opacity=alt.value(0))
    return alt.layer(lines, hover).properties(height=height)


def affine_fit_scatter(scatter: pd.DataFrame, height: int = 200) -> alt.FacetChart:
    """Network output against the best affine fit's prediction, one panel per activation
    (each on its own scale): on the dashed diagonal means the network is affine."""
    base = alt.Chart(scatter).encode(
        x=alt.X("best affine fit:Q", title=_("best affine fit ŷ"), scale=alt.Scale(zero=False))
    )
    diagonal = base.mark_line(color="#64748b", strokeDash=[4, 4]).encode(
        y=alt.Y("best affine fit:Q", title=_("network output y"), scale=alt.Scale(zero=False))
    )
    points = base.mark_circle(size=18, opacity=0.7).encode(
        y=alt.Y("network output:Q", title=_("network output y"), scale=alt.Scale(zero=False)),
        color=palette.color("activation", scatter["activation"], _("activation"), legend=None),
        tooltip=[
            alt.Tooltip("activation:N", title=_("activation")),
            alt.Tooltip("best affine fit:Q", format=".5g", title=_("best affine fit ŷ")),
            alt.Tooltip("network output:Q", format=".5g", title=_("network output y")),
        ],
    )
    return (
        alt.layer(diagonal, points)
        .properties(height=height, width=height)
        .facet(alt.Facet("activation:N", title=_("between the layers (output 1)")), columns=3)
        .resolve_scale(x="independent", y="independent")
    )


def pieces_chart(
    curves: pd.DataFrame, breakpoints: pd.DataFrame, height: int = 300
) -> alt.HConcatChart:
    """The random ReLU net with a faint rule at every exact breakpoint, and beside it the same
    weights without ReLU (one straight line). Each on its own scale."""
    panels = []
    for index, (network, rows) in enumerate(curves.groupby("network", sort=False)):
        colour = "#0877bd" if index == 0 else "#f59322"
        line = (
            alt.Chart(rows, title=network)
            .mark_line(color=colour, strokeWidth=2.5)
            .encode(
                x=alt.X("x:Q", title="x"),
                y=alt.Y("y:Q", title=_("network output"), scale=alt.Scale(zero=False)),
                tooltip=[alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("y:Q", format=".6g")],
            )
        )
        layers = [line]
        if index == 0 and not breakpoints.empty:
            rules = (
                alt.Chart(breakpoints)
                .mark_rule(color="#94a3b8", strokeDash=[2, 3])
                .encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", format=".6g", title=_("breakpoint"))])
            )
            layers.insert(0, rules)
        width = 460 if index == 0 else 260
        panels.append(alt.layer(*layers).properties(height=height, width=width))
    return alt.hconcat(*panels)


def pieces_vs_depth_chart(table: pd.DataFrame, height: int = 340) -> alt.LayerChart:
    """Mean exact piece count against depth per network kind (log scale), min–max on hover.

    Each legend entry says the interval its pieces were counted on (the sawtooth's is [0, 1])."""
    table = table.assign(counted=table["network"] + _(", on ") + table["interval"])
    selection = legend_selection("counted", name="nl_depth_legend")
    base = alt.Chart(table).encode(
        x=alt.X("depth:O", title=_("hidden layers (depth)")),
        y=alt.Y("pieces:Q", title=_("linear pieces (mean over seeds)")).scale(type="log"),
        color=palette.color("counted", table["counted"], _("network, pieces counted")),
        opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        tooltip=[
            alt.Tooltip("network:N", title=_("network")),
            alt.Tooltip("interval:N", title=_("counted on")),
            alt.Tooltip("depth:O", title=_("depth")),
            alt.Tooltip("width:Q", title=_("width")),
            alt.Tooltip("hidden units:Q", title=_("hidden units")),
            alt.Tooltip("pieces:Q", format=".1f", title=_("mean pieces")),
            alt.Tooltip("min:Q", title=_("fewest")),
            alt.Tooltip("max:Q", title=_("most")),
        ],
    )
    lines = base.mark_line(strokeWidth=2.5).add_params(selection)
    points = base.mark_point(size=50, filled=True)
    return alt.layer(lines, points).properties(height=height)


def activation_comparison_chart(table: pd.DataFrame) -> alt.Chart:
    """One model's output per activation, overlaid (``stacking.activation_comparison`` rows)."""
    return overlaid_lines(
        table,
        x="x",
        y="y",
        series="activation",
        series_title=_("activation"),
        y_title=_("model output"),
        title=_("Same weights, x in [-1, 1]"),
    )
