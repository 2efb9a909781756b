"""Charts of the gradients lesson: norms per layer, layer statistics, histograms, dead units.

The training curves of its two training tabs: ``charts.learning_curves``.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from actlab.charts import palette
from actlab.charts.common import legend_selection, overlaid_lines
from actlab.i18n import N_, _

# Marked texts (N_), translated where a chart or a control shows them.
BOUND_LABEL = N_("sigmoid reference 0.25^(L−l) × last layer's norm")
NORM_TITLES = {
    "norm": N_("‖∂L/∂W_l‖ (weight gradient)"),
    "signal_norm": N_("‖∂L/∂z_l‖ (backpropagated signal)"),
}
HISTOGRAM_TITLES = {
    "activation": "h = f(z)",
    "log10 |weight gradient|": N_("log10 |∂L/∂W| per weight"),
}
TOOLTIP_TITLES = {  # the probe's extra columns, as a tooltip names them
    "shape": N_("weight shape"),
    "norm": N_("‖∂L/∂W_l‖"),
    "signal_norm": N_("‖∂L/∂z_l‖"),
    "zero_share": N_("share of zero gradients"),
}


def plottable_on_log_axis(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows whose ``column`` is positive and finite (the others cannot sit on a log axis)."""
    values = table[column]
    return table[(values > 0) & np.isfinite(values)]


def gradient_norm_chart(
    norms: pd.DataFrame,
    bound: pd.DataFrame | None = None,
    column: str = "norm",
    height: int = 380,
) -> alt.LayerChart:
    """``column`` (a norm per layer) against layer l on a log axis, one line per activation.

    Zero or non-finite norms are left out (the page says so). ``bound`` (``layer``, ``bound``)
    adds the dashed sigmoid reference line.
    """
    selection = legend_selection("activation", name="norm_legend")
    other = "signal_norm" if column == "norm" else "norm"
    titles = {field: _(title) for field, title in TOOLTIP_TITLES.items()}
    x_title, y_title = _("layer l (1 = next to the input)"), _(NORM_TITLES[column])
    lines = overlaid_lines(
        plottable_on_log_axis(norms, column),
        x="layer",
        y=column,
        series="activation",
        x_title=x_title,
        y_title=y_title,
        series_title=_("activation"),
        log_y=True,
        height=height,
        tooltip=[
            alt.Tooltip("shape:N", title=titles["shape"]),
            alt.Tooltip(f"{other}:Q", title=titles[other]),
            alt.Tooltip("zero_share:Q", title=titles["zero_share"]),
        ],
        selection=selection,
    )
    if bound is None or bound.empty:
        return lines
    reference = (
        alt.Chart(plottable_on_log_axis(bound, "bound").assign(reference=_(BOUND_LABEL)))
        .mark_line(strokeDash=[6, 4], color="black", strokeWidth=1.5)
        .encode(
            x=alt.X("layer:Q", title=x_title),  # the lines' titles: one title per axis
            y=alt.Y("bound:Q", title=y_title, scale=alt.Scale(type="log")),
            tooltip=[
                alt.Tooltip("reference:N", title=""),
                alt.Tooltip("layer:Q", title=_("layer")),
                alt.Tooltip("bound:Q", format=".3e", title=_("reference")),
            ],
        )
    )
    return alt.layer(lines, reference)


def layer_stat_chart(stats: pd.DataFrame, column: str, title: str, name: str) -> alt.LayerChart:
    """One per-layer statistic (mean, std, saturated share) per activation."""
    return overlaid_lines(
        stats,
        x="layer",
        y=column,
        series="activation",
        x_title=_("hidden layer"),
        y_title=title,
        series_title=_("activation"),
        height=240,
        selection=legend_selection("activation", name=name),
    )


def histogram_chart(bins: pd.DataFrame, x_title: str, name: str) -> alt.Chart:
    """Overlaid histograms of one layer's values, in each activation's colour and outlined in
    its dash: a gated unit shares its gate's hue (SwiGLU and SiLU), not its dash."""
    selection = legend_selection("activation", name=name)
    labels = bins["activation"]
    return (
        alt.Chart(bins)
        .mark_bar(binSpacing=0, strokeWidth=1.5)
        .encode(
            x=alt.X("bin_start:Q", title=x_title),
            x2="bin_end:Q",
            # A bar from 0 up to its share: with a ranged x, y alone draws a floating dash.
            y=alt.Y("share:Q", title=_("share of all values"), stack=None),
            y2=alt.datum(0),
            color=palette.color("activation", labels, _("activation")),
            stroke=alt.Stroke(
                "activation:N",
                title=_("activation"),
                scale=palette.colour_scale(labels),
                legend=None,
            ),
            strokeDash=palette.stroke_dash("activation", labels, _("activation")),
            opacity=alt.condition(selection, alt.value(0.55), alt.value(0.05)),
            tooltip=[
                alt.Tooltip("activation:N", title=_("activation")),
                alt.Tooltip("bin_start:Q", format=".4g", title=_("from")),
                alt.Tooltip("bin_end:Q", format=".4g", title=_("to")),
                alt.Tooltip("count:Q", title=_("count")),
                alt.Tooltip("share:Q", format=".2%", title=_("share")),
            ],
        )
        .add_params(selection)
        .properties(height=260)
    )


def dead_unit_chart(dead: pd.DataFrame, title: str, name: str, total_steps: int) -> alt.Chart:
    """Fraction of dead units per hidden layer against the training step (0 to 1)."""
    table = dead.assign(hidden_layer=dead["layer"].map(lambda n: _("layer {n}").format(n=n)))
    selection = legend_selection("hidden_layer", name=name)
    return (
        alt.Chart(table, title=title)
        .mark_line(strokeWidth=2.5, point=True)
        .encode(
            x=alt.X("step:Q", title=_("training step"), scale=alt.Scale(domain=[0, total_steps])),
            y=alt.Y("fraction:Q", title=_("dead units"), scale=alt.Scale(domain=[0, 1])),
            color=palette.color("hidden_layer", table["hidden_layer"], _("hidden layer")),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
            tooltip=[
                alt.Tooltip("run:N", title=_("run")),
                alt.Tooltip("hidden_layer:N", title=_("layer")),
                alt.Tooltip("step:Q", title=_("step")),
                alt.Tooltip("dead:Q", title=_("dead units")),
                alt.Tooltip("units:Q", title=_("units")),
                alt.Tooltip("fraction:Q", format=".1%", title=_("dead")),
                alt.Tooltip("negative:Q", format=".1%", title=_("negative on every probe")),
            ],
        )
        .add_params(selection)
        .properties(height=280)
    )
