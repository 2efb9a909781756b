"""Charts of the gradients lesson: norms per layer, layer statistics, histograms, dead units.

The training curves of its two training tabs: ``charts.learning_curves``.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from actlab.charts import palette
from actlab.charts.common import legend_selection, overlaid_lines

BOUND_LABEL = "sigmoid reference 0.25^(L−l) × last layer's norm"
NORM_TITLES = {
    "norm": "‖∂L/∂W_l‖ (weight gradient)",
    "signal_norm": "‖∂L/∂z_l‖ (backpropagated signal)",
}
HISTOGRAM_TITLES = {
    "activation": "h = f(z)",
    "log10 |weight gradient|": "log10 |∂L/∂W| per weight",
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
    lines = overlaid_lines(
        plottable_on_log_axis(norms, column),
        x="layer",
        y=column,
        series="activation",
        x_title="layer l (1 = next to the input)",
        y_title=NORM_TITLES[column],
        series_title="activation",
        log_y=True,
        height=height,
        tooltip=["shape:N", f"{other}:Q", "zero_share:Q"],
        selection=selection,
    )
    if bound is None or bound.empty:
        return lines
    reference = (
        alt.Chart(plottable_on_log_axis(bound, "bound").assign(reference=BOUND_LABEL))
        .mark_line(strokeDash=[6, 4], color="black", strokeWidth=1.5)
        .encode(
            x="layer:Q",
            y=alt.Y("bound:Q", scale=alt.Scale(type="log")),
            tooltip=[
                alt.Tooltip("reference:N", title=""),
                alt.Tooltip("layer:Q"),
                alt.Tooltip("bound:Q", format=".3e"),
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
        x_title="hidden layer",
        y_title=title,
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
            y=alt.Y("share:Q", title="share of all values", stack=None),
            y2=alt.datum(0),
            color=palette.color("activation", labels),
            stroke=alt.Stroke("activation:N", scale=palette.colour_scale(labels), legend=None),
            strokeDash=palette.stroke_dash("activation", labels, "activation"),
            opacity=alt.condition(selection, alt.value(0.55), alt.value(0.05)),
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("bin_start:Q", format=".4g", title="from"),
                alt.Tooltip("bin_end:Q", format=".4g", title="to"),
                alt.Tooltip("count:Q"),
                alt.Tooltip("share:Q", format=".2%"),
            ],
        )
        .add_params(selection)
        .properties(height=260)
    )


def dead_unit_chart(dead: pd.DataFrame, title: str, name: str, total_steps: int) -> alt.Chart:
    """Fraction of dead units per hidden layer against the training step (0 to 1)."""
    table = dead.assign(hidden_layer=dead["layer"].map(lambda n: f"layer {n}"))
    selection = legend_selection("hidden_layer", name=name)
    return (
        alt.Chart(table, title=title)
        .mark_line(strokeWidth=2.5, point=True)
        .encode(
            x=alt.X("step:Q", title="training step", scale=alt.Scale(domain=[0, total_steps])),
            y=alt.Y("fraction:Q", title="dead units", scale=alt.Scale(domain=[0, 1])),
            color=palette.color("hidden_layer", table["hidden_layer"], "hidden layer"),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
            tooltip=[
                alt.Tooltip("run:N"),
                alt.Tooltip("hidden_layer:N", title="layer"),
                alt.Tooltip("step:Q"),
                alt.Tooltip("dead:Q", title="dead units"),
                alt.Tooltip("units:Q"),
                alt.Tooltip("fraction:Q", format=".1%", title="dead"),
                alt.Tooltip("negative:Q", format=".1%", title="negative on every probe"),
            ],
        )
        .add_params(selection)
        .properties(height=280)
    )
