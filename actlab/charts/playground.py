"""The playground's live charts: decision surface and regression fit (the learning curves:
``charts.learning_curves``).

Colours and shapes follow TensorFlow Playground. The charts redraw several times a second, so
each builder encodes its chart once (per axis extent) and only swaps in fresh data.
"""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd

from actlab.charts.palette import HUES

# The live component's colours (ui/components/playground): Okabe-Ito, colour-blind safe. Class 0
# orange and class 1 blue as in TensorFlow Playground, a third class bluish green; a diverging
# orange - white - blue ramp for probabilities and neuron outputs. Regression values use
# ColorBrewer's BrBG ends (brown - white - teal), so a value is never read as a class.
CLASS_HEX = (HUES[1], HUES[0], HUES[2])
REGRESSION_HEX = ("#8c510a", "#01665e")
CLASS_COLOURS = alt.Scale(domain=[0, 1], range=["#f59322", "#0877bd"])  # Playground's colours
SPLIT_SHAPES = alt.Scale(domain=["train", "test"], range=["circle", "square"])


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
