"""Charts of the MNIST lesson: learning curves with seed bands, and the confusion matrix."""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.charts.common import PALETTE, legend_selection

METRIC_DASH = alt.Scale(domain=["test loss", "train loss"], range=[[1, 0], [5, 4]])


def learning_curves(
    bands: pd.DataFrame, metric_title: str, name: str, title: str = "", height: int = 320
) -> alt.LayerChart:
    """Mean over seeds per activation against epochs, with a min–max band when seeds > 1.

    ``bands`` is ``training.seed_bands`` output; when it holds several metrics (train and test
    loss) they are told apart by dash. Hovering a point shows the exact values; clicking a
    legend entry highlights one activation.
    """
    selection = legend_selection("activation", name=name)
    several_metrics = bands["metric"].nunique() > 1
    base = alt.Chart(bands, title=title or alt.Undefined).encode(
        x=alt.X("epoch:Q", title="epoch"),
        color=alt.Color("activation:N", title="activation", scale=PALETTE),
    )
    tooltip = [
        alt.Tooltip("activation:N"),
        alt.Tooltip("metric:N"),
        alt.Tooltip("epoch:Q", format=".3f"),
        alt.Tooltip("step:Q"),
        alt.Tooltip("mean:Q", format=".4f", title=f"{metric_title} (mean over seeds)"),
        alt.Tooltip("low:Q", format=".4f", title="lowest seed"),
        alt.Tooltip("high:Q", format=".4f", title="highest seed"),
        alt.Tooltip("seeds:Q"),
    ]
    line_encoding = {
        "y": alt.Y("mean:Q", title=metric_title, scale=alt.Scale(zero=False)),
        "opacity": alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        "detail": "metric:N",
    }
    if several_metrics:
        line_encoding["strokeDash"] = alt.StrokeDash("metric:N", title="loss", scale=METRIC_DASH)
    lines = base.mark_line(strokeWidth=2.5, point=False).encode(**line_encoding)
    lines = lines.add_params(selection)
    points = base.mark_point(size=60, filled=True).encode(
        y="mean:Q",
        opacity=alt.condition(selection, alt.value(0.9), alt.value(0.05)),
        shape=alt.Shape("metric:N", legend=None),
        tooltip=tooltip,
    )
    layers = [lines, points]
    if (bands["seeds"] > 1).any():
        band = base.mark_area(opacity=0.18).encode(
            y="low:Q",
            y2="high:Q",
            detail="metric:N",
            opacity=alt.condition(selection, alt.value(0.18), alt.value(0.03)),
        )
        layers.insert(0, band)
    return alt.layer(*layers).properties(height=height)


def confusion_heatmap(counts: pd.DataFrame, height: int = 380) -> alt.LayerChart:
    """Rows: true class; columns: predicted; colour: share of the true class; number: count."""
    order = list(dict.fromkeys(counts["true"]))
    base = alt.Chart(counts).encode(
        x=alt.X("predicted:N", sort=order, title="predicted", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("true:N", sort=order, title="true class"),
        tooltip=[
            alt.Tooltip("true:N", title="true"),
            alt.Tooltip("predicted:N"),
            alt.Tooltip("count:Q", format=","),
            alt.Tooltip("share:Q", format=".2%", title="share of the true class"),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q", title="share", scale=alt.Scale(scheme="blues", domain=[0, 1], type="sqrt")
        )
    )
    numbers = base.mark_text(fontSize=11).encode(
        text=alt.Text("count:Q"),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#0f172a")),
    )
    return alt.layer(cells, numbers).properties(height=height)
