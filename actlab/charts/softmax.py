"""Charts of the softmax lesson: probability bars, Jacobian heatmaps, overflow map, and the
loss-gradient and nll_loss curves."""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.charts.common import legend_selection, overlaid_lines
from actlab.i18n import _
from actlab.softmax import localized_text

# Status colours of the numerics lab, fixed so a colour means the same thing at every shift.
STATUS_COLOURS = {
    "finite": "#16a34a",
    "output -inf, gradient NaN": "#7c3aed",
    "output +inf, gradient NaN": "#dc2626",
    "output finite, gradient NaN": "#f97316",
}
OTHER_STATUS_COLOURS = ("#ca8a04", "#db2777", "#0891b2", "#475569")
SCALE_TICKS = [0, 1, 3, 10, 30, 100, 300, 1000]
MAX_LABELLED_SIZE = 6  # beyond 6 x 6 cells the printed numbers overlap; tooltips remain


def probability_bars(table: pd.DataFrame, height: int = 300) -> alt.LayerChart:
    """Bars: softmax(z / T) per class; black ticks: the same logits at T = 1, for reference."""
    base = alt.Chart(table).encode(
        x=alt.X("class:O", title=_("class i"), axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("class:O", title=_("class i")),
            alt.Tooltip("logit:Q", format=".4g", title="logit z_i"),
            alt.Tooltip("logit / T:Q", format=".4g", title="z_i / T"),
            alt.Tooltip("probability:Q", format=".6f", title=_("p_i at T")),
            alt.Tooltip("probability at T = 1:Q", format=".6f", title=_("p_i at T = 1")),
        ],
    )
    bars = base.mark_bar(color="#c2410c").encode(
        y=alt.Y("probability:Q", title=_("probability p_i"), scale=alt.Scale(domain=[0, 1]))
    )
    reference = base.mark_tick(color="#0f172a", thickness=3, size=28).encode(
        y=alt.Y("probability at T = 1:Q", title=_("probability p_i"))
    )
    return alt.layer(bars, reference).properties(height=height)


def jacobian_heatmap(
    table: pd.DataFrame,
    value: str,
    title: str = "",
    limit: float | None = None,
    height: int = 320,
) -> alt.LayerChart:
    """J[i, j] = dp_i / dz_j as coloured cells, the number written in each up to 6 x 6.

    The colour scale is symmetric, ±``limit`` (default: the largest |entry| of either column),
    so the autograd and closed-form heatmaps side by side share one scale: red is positive
    (the diagonal), blue negative, white zero.
    """
    if limit is None:
        limit = float(table[["autograd", "closed form"]].abs().to_numpy().max())
    base = alt.Chart(table, title=title or alt.Undefined).encode(
        x=alt.X("j:O", title="logit z_j", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("i:O", title=_("probability p_i")),
        tooltip=[
            alt.Tooltip("i:O", title=_("row i (p_i)")),
            alt.Tooltip("j:O", title=_("column j (z_j)")),
            alt.Tooltip("autograd:Q", format=".10g", title="autograd"),
            alt.Tooltip("closed form:Q", format=".10g", title=_("closed form")),
            alt.Tooltip("abs difference:Q", format=".2e", title=_("|autograd − closed form|")),
        ],
    )
    scale = alt.Scale(scheme="redblue", reverse=True, domain=[-limit, limit])
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title="∂p_i/∂z_j", scale=scale))
    if table["i"].nunique() > MAX_LABELLED_SIZE:
        return alt.layer(cells).properties(height=height)
    numbers = base.mark_text().encode(text=alt.Text(f"{value}:Q", format=".3f"))  # theme size
    return alt.layer(cells, numbers).properties(height=height)


def temperature_chart(sweep: pd.DataFrame, temperature: float, height: int = 300) -> alt.LayerChart:
    """p_i against T on a log axis; the rule marks the temperature chosen above."""
    selection = legend_selection("class", name="temperature_legend")
    lines = (
        alt.Chart(sweep)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("temperature:Q", title=_("temperature T"), scale=alt.Scale(type="log")),
            y=alt.Y("probability:Q", title=_("probability p_i"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", title=_("class i")),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
            tooltip=[
                alt.Tooltip("class:N", title=_("class i")),
                alt.Tooltip("temperature:Q", format=".4g", title=_("temperature T")),
                alt.Tooltip("probability:Q", format=".6f", title=_("probability p_i")),
            ],
        )
        .add_params(selection)
    )
    rule = (
        alt.Chart(pd.DataFrame({"temperature": [temperature]}))
        .mark_rule(color="#0f172a", strokeDash=[4, 4])
        .encode(
            x=alt.X("temperature:Q", title=_("temperature T")),
            tooltip=[alt.Tooltip("temperature:Q", title=_("chosen T"))],
        )
    )
    return alt.layer(lines, rule).properties(height=height)


def status_chart(segments: pd.DataFrame, scale: float, row_height: int = 26) -> alt.LayerChart:
    """One bar per dtype x method along the scale axis, coloured by what the result is.

    Each bar is a run of scales with the same status; the dashed rule is the current scale.
    """
    # Statuses and methods are shown in the current language; colours stay tied to the status.
    data = segments.assign(
        method=segments["method"].map(localized_text),
        status=segments["status"].map(localized_text),
    )
    data = data.assign(formula=data["dtype"] + " · " + data["method"])
    fixed = [localized_text(status) for status in STATUS_COLOURS]
    scale_title = _("logit scale s (logits = s·(1, 0, −0.05) + shift), symlog axis")
    others = sorted(set(data["status"]) - set(fixed))
    domain = [*fixed, *others]
    colours = [
        *STATUS_COLOURS.values(),
        *[OTHER_STATUS_COLOURS[i % len(OTHER_STATUS_COLOURS)] for i in range(len(others))],
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(height=alt.RelativeBandSize(0.7))
        .encode(
            x=alt.X(
                "scale from:Q",
                title=scale_title,
                # symlog spreads out float16's ~11 next to float32's ~89 and float64's ~710.
                scale=alt.Scale(type="symlog"),
                axis=alt.Axis(values=SCALE_TICKS),
            ),
            x2="scale to:Q",
            y=alt.Y(
                "formula:N",
                title=None,
                sort=list(dict.fromkeys(data["formula"])),
                axis=alt.Axis(labelLimit=320),
            ),
            color=alt.Color(
                "status:N",
                title=_("status"),
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="top", columns=2, labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("dtype:N", title="dtype"),
                alt.Tooltip("method:N", title=_("method")),
                alt.Tooltip("status:N", title=_("status")),
                alt.Tooltip("scale from:Q", format=".10g", title=_("scale from")),
                alt.Tooltip("scale to:Q", format=".10g", title=_("scale to")),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"scale": [scale]}))
        .mark_rule(color="#0f172a", strokeDash=[4, 4], strokeWidth=2)
        .encode(
            x=alt.X("scale:Q", title=scale_title),
            tooltip=[alt.Tooltip("scale:Q", title=_("current scale"))],
        )
    )
    # Streamlit fits legend and axis inside the height, so reserve room for them.
    legend_and_axis = 120
    rows = data["formula"].nunique()
    return alt.layer(bars, rule).properties(height=row_height * rows + legend_and_axis)


def loss_gradient_chart(curves: pd.DataFrame, x_title: str, y_title: str) -> alt.Chart:
    """dL/dz against the true logit, one line per output + loss pair (``binary_loss_gradients``
    or ``multiclass_loss_gradients`` rows); the tooltip adds the loss and p(true class)."""
    return overlaid_lines(
        curves,
        x="logit",
        y="gradient",
        series="pair",
        x_title=x_title,
        y_title=y_title,
        series_title=_("pair"),
        tooltip=[
            alt.Tooltip("loss:Q", title=_("loss")),
            alt.Tooltip("p(true class):Q", title=_("p(true class)")),
        ],
    )


def nll_loss_chart(curves: pd.DataFrame) -> alt.Chart:
    """nll_loss against the true logit, one line per output fed to it (``nll_with_outputs``)."""
    return overlaid_lines(
        curves.assign(output=curves["output"].map(localized_text)),
        x="logit",
        y="loss",
        series="output",
        x_title=_("true-class logit z_y"),
        y_title="nll_loss",
        title=_("the loss"),
        series_title=_("output"),
    )


def nll_gradient_chart(curves: pd.DataFrame) -> alt.Chart:
    """nll_loss's gradient on the true logit; the tooltip adds the one on a competing logit."""
    return overlaid_lines(
        curves.assign(output=curves["output"].map(localized_text)),
        x="logit",
        y="gradient (true logit)",
        series="output",
        x_title=_("true-class logit z_y"),
        y_title="dL/dz_y",
        title=_("its gradient on the true logit"),
        series_title=_("output"),
        tooltip=[
            alt.Tooltip("gradient (competing logit):Q", title=_("gradient (competing logit)"))
        ],
    )
