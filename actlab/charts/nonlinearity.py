"""Charts of the why-nonlinearity lesson and the playground: DataFrame in, Altair chart out."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from actlab.charts.common import PALETTE, legend_selection, overlaid_lines

CLASS_COLOURS = alt.Scale(domain=[0, 1], range=["#f59322", "#0877bd"])  # Playground's colours
SPLIT_SHAPES = alt.Scale(domain=["train", "test"], range=["circle", "square"])


def classic_chain_chart(table: pd.DataFrame, height: int = 320) -> alt.LayerChart:
    """The two-layer chain, its collapsed single layer (dashed, lying on it) and the chain
    with an activation between. ``table``: ``stacking.classic_chain`` output."""
    curves = list(dict.fromkeys(table["curve"]))
    selection = legend_selection("curve", name="nl_classic_legend")
    base = alt.Chart(table).encode(
        x=alt.X("x:Q", title="x"),
        y=alt.Y("y:Q", title="output"),
        color=alt.Color("curve:N", title="", scale=PALETTE, sort=curves),
        strokeDash=alt.StrokeDash(
            "curve:N", scale=alt.Scale(domain=curves, range=[[1, 0], [7, 5], [1, 0]]), legend=None
        ),
        opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        tooltip=[
            alt.Tooltip("curve:N"),
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
        x=alt.X("best affine fit:Q", title="best affine fit ŷ", scale=alt.Scale(zero=False))
    )
    diagonal = base.mark_line(color="#64748b", strokeDash=[4, 4]).encode(
        y=alt.Y("best affine fit:Q", scale=alt.Scale(zero=False))
    )
    points = base.mark_circle(size=18, opacity=0.7).encode(
        y=alt.Y("network output:Q", title="network output y", scale=alt.Scale(zero=False)),
        color=alt.Color("activation:N", scale=PALETTE, legend=None),
        tooltip=[
            alt.Tooltip("activation:N"),
            alt.Tooltip("best affine fit:Q", format=".5g"),
            alt.Tooltip("network output:Q", format=".5g"),
        ],
    )
    return (
        alt.layer(diagonal, points)
        .properties(height=height, width=height)
        .facet(alt.Facet("activation:N", title="between the layers (output 1)"), columns=3)
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
                y=alt.Y("y:Q", title="network output", scale=alt.Scale(zero=False)),
                tooltip=[alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("y:Q", format=".6g")],
            )
        )
        layers = [line]
        if index == 0 and not breakpoints.empty:
            rules = (
                alt.Chart(breakpoints)
                .mark_rule(color="#94a3b8", strokeDash=[2, 3])
                .encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", format=".6g", title="breakpoint")])
            )
            layers.insert(0, rules)
        width = 460 if index == 0 else 260
        panels.append(alt.layer(*layers).properties(height=height, width=width))
    return alt.hconcat(*panels)


def pieces_vs_depth_chart(table: pd.DataFrame, height: int = 340) -> alt.LayerChart:
    """Mean exact piece count against depth per network kind (log scale), min–max on hover."""
    selection = legend_selection("network", name="nl_depth_legend")
    base = alt.Chart(table).encode(
        x=alt.X("depth:O", title="hidden layers (depth)"),
        y=alt.Y("pieces:Q", title="linear pieces on [-3, 3] (mean over seeds)").scale(type="log"),
        color=alt.Color(
            "network:N", title="network", scale=PALETTE, legend=alt.Legend(labelLimit=320)
        ),
        opacity=alt.condition(selection, alt.value(1.0), alt.value(0.12)),
        tooltip=[
            alt.Tooltip("network:N"),
            alt.Tooltip("depth:O"),
            alt.Tooltip("width:Q"),
            alt.Tooltip("hidden units:Q"),
            alt.Tooltip("pieces:Q", format=".1f", title="mean pieces"),
            alt.Tooltip("min:Q", title="fewest"),
            alt.Tooltip("max:Q", title="most"),
        ],
    )
    lines = base.mark_line(strokeWidth=2.5).add_params(selection)
    points = base.mark_point(size=50, filled=True)
    return alt.layer(lines, points).properties(height=height)


def decision_surface_chart(
    surface: pd.DataFrame, points: pd.DataFrame, extent: float, height: int = 420
) -> alt.LayerChart:
    """P(class 1) as a heatmap (``mark_rect`` cells, ``playground.surface`` rows) with the
    data (``playground.points`` rows) on top.

    Colours follow TensorFlow Playground: orange is class 0, blue class 1; circles are
    training points, squares test points; a red ring marks a point the model gets wrong.
    """
    cells, dots = _surface_layers(extent)
    return alt.layer(cells.properties(data=surface), dots.properties(data=points)).properties(
        height=height, width=height
    )


# The live charts redraw several times a second. Parsing and validating their encodings costs
# Altair ~20 ms per chart, so each is encoded once (per axis extent) and given fresh data.


@lru_cache(maxsize=32)
def _surface_layers(extent: float) -> tuple[alt.Chart, alt.Chart]:
    domain = [-extent, extent]
    cells = (
        alt.Chart()
        .mark_rect()
        .encode(
            x=alt.X("x1_lo:Q", title="x₁", scale=alt.Scale(domain=domain, nice=False)),
            x2="x1_hi:Q",
            y=alt.Y("x2_lo:Q", title="x₂", scale=alt.Scale(domain=domain, nice=False)),
            y2="x2_hi:Q",
            color=alt.Color(
                "p:Q",
                title="P(class 1)",
                # The class colours mixed with 45 % white: a light background for the points.
                scale=alt.Scale(
                    domain=[0, 1], range=["#fac486", "#f3f4f5", "#77b4db"], interpolate="rgb"
                ),
            ),
            tooltip=[
                alt.Tooltip("x1:Q", format=".2f", title="x₁"),
                alt.Tooltip("x2:Q", format=".2f", title="x₂"),
                alt.Tooltip("p:Q", format=".3f", title="P(class 1)"),
            ],
        )
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=40, strokeWidth=1.2)
        .encode(
            x="x1:Q",
            y="x2:Q",
            fill=alt.Fill(
                "label:N",
                title="class",
                scale=CLASS_COLOURS,
                legend=alt.Legend(symbolStrokeColor="white", symbolType="circle"),
            ),
            shape=alt.Shape(
                "split:N",
                title="",
                scale=SPLIT_SHAPES,
                legend=alt.Legend(symbolFillColor="#64748b", symbolStrokeColor="white"),
            ),
            stroke=alt.condition("datum.correct", alt.value("white"), alt.value("#dc2626")),
            tooltip=[
                alt.Tooltip("split:N"),
                alt.Tooltip("label:N", title="class"),
                alt.Tooltip("p:Q", format=".3f", title="P(class 1)"),
                alt.Tooltip("correct:N"),
                alt.Tooltip("x1:Q", format=".3f", title="x₁"),
                alt.Tooltip("x2:Q", format=".3f", title="x₂"),
            ],
        )
    )
    return cells, dots


def regression_fit_chart(
    curve: pd.DataFrame, points: pd.DataFrame, extent: float, height: int = 420
) -> alt.LayerChart:
    """The network's current function (``playground.curve`` rows) over the data points
    (``playground.points`` rows; circles train, squares test)."""
    dots, line = _regression_layers(extent)
    return alt.layer(dots.properties(data=points), line.properties(data=curve)).properties(
        height=height
    )


@lru_cache(maxsize=32)
def _regression_layers(extent: float) -> tuple[alt.Chart, alt.Chart]:
    domain = [-extent, extent]
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=30, opacity=0.7)
        .encode(
            x=alt.X("x1:Q", title="x", scale=alt.Scale(domain=domain, nice=False)),
            y=alt.Y("y:Q", title="y"),
            shape=alt.Shape("split:N", title="", scale=SPLIT_SHAPES),
            color=alt.value("#0877bd"),
            tooltip=[
                alt.Tooltip("split:N"),
                alt.Tooltip("x1:Q", format=".3f", title="x"),
                alt.Tooltip("y:Q", format=".4f", title="target"),
                alt.Tooltip("prediction:Q", format=".4f"),
            ],
        )
    )
    line = (
        alt.Chart()
        .mark_line(color="#f59322", strokeWidth=3)
        .encode(
            x="x:Q",
            y="prediction:Q",
            tooltip=[
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("prediction:Q", format=".4f", title="network"),
            ],
        )
    )
    return dots, line


def learning_curve_chart(long: pd.DataFrame, metric: str, height: int = 200) -> alt.LayerChart:
    """Train and test curves of one metric (``playground.long_history`` rows) against epoch."""
    return _learning_curve_template(metric, height).properties(data=long[long["metric"] == metric])


@lru_cache(maxsize=8)
def _learning_curve_template(metric: str, height: int) -> alt.LayerChart:
    empty = pd.DataFrame({"epoch": [], "value": [], "split": []})
    chart = overlaid_lines(
        empty,
        x="epoch",
        y="value",
        series="split",
        y_title=metric,
        series_title="data",
        height=height,
        selection=legend_selection("split", name=f"pg_{metric}_legend"),
    )
    # overlaid_lines' layers share one data frame, which Altair keeps at the top: replaceable.
    assert all(layer.data is alt.Undefined for layer in chart.layer)
    return chart
