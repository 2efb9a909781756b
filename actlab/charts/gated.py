"""Charts of the gated-units lesson: g over the (a, b) plane with contours, slices, the diagonal."""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.charts.common import overlaid_lines
from actlab.i18n import _

CONTOUR_COLOUR = "#111827"
MARKER_COLOUR = "#6b7280"


def _label_tooltip() -> alt.Tooltip:
    return alt.Tooltip("label:N", title=_("label"))


def plane_heatmap(
    plane: pd.DataFrame,
    contours: pd.DataFrame,
    field: str,
    title: str,
    *,
    a0: float | None = None,
    b0: float | None = None,
    size: int = 340,
) -> alt.LayerChart:
    """``field`` of ``plane`` as coloured cells over (a, b), its level lines drawn on top.

    Diverging colours centred on 0 (red positive, blue negative, white zero), each contour
    labelled by its value in the tooltip; the dashed diagonal is a = b, the thin rules the
    slices at a = a0 and b = b0. Square, because a and b are the same kind of quantity.
    """
    limit = float(plane[field].abs().max()) or 1.0
    step = float(plane["a"].drop_duplicates().sort_values().diff().min())
    cells = (
        alt.Chart(plane)
        .transform_calculate(a_end=f"datum.a + {step}", b_end=f"datum.b + {step}")
        .mark_rect()
        .encode(
            x=alt.X("a:Q", title=_("a (gate input, xW)"), scale=alt.Scale(nice=False)),
            x2="a_end:Q",
            y=alt.Y("b:Q", title=_("b (value input, xV)"), scale=alt.Scale(nice=False)),
            y2="b_end:Q",
            color=alt.Color(
                f"{field}:Q",
                title=title.split(" = ")[0],
                scale=alt.Scale(scheme="redblue", reverse=True, domain=[-limit, limit]),
            ),
            tooltip=[
                alt.Tooltip("a:Q", format=".3f"),
                alt.Tooltip("b:Q", format=".3f"),
                alt.Tooltip(f"{field}:Q", format=".5g", title=title.split(" = ")[0]),
            ],
        )
    )
    layers: list[alt.Chart] = [cells]
    lines = contours[contours["field"] == field] if len(contours) else contours
    if len(lines):
        layers.append(
            alt.Chart(lines)
            .mark_rule(color=CONTOUR_COLOUR, strokeWidth=1.2, opacity=0.8)
            .encode(
                x="a:Q",
                y="b:Q",
                x2="a2:Q",
                y2="b2:Q",
                tooltip=[alt.Tooltip("level:Q", format="~g", title=_("contour value"))],
            )
        )
    low, high = float(plane["a"].min()), float(plane["a"].max()) + step
    ends = {"a": [low], "b": [low], "a2": [high], "b2": [high], "label": ["a = b"]}
    diagonal = pd.DataFrame(ends)
    layers.append(
        alt.Chart(diagonal)
        .mark_rule(color=MARKER_COLOUR, strokeDash=[6, 4], strokeWidth=2)
        .encode(x="a:Q", y="b:Q", x2="a2:Q", y2="b2:Q", tooltip=[_label_tooltip()])
    )
    layers.append(
        alt.Chart(diagonal)
        .mark_text(align="right", dx=-6, dy=-8, color=CONTOUR_COLOUR, fontWeight="bold")
        .encode(x="a2:Q", y="b2:Q", text="label:N")
    )
    if a0 is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"a": [a0], "label": [f"a = {a0:g}"]}))
            .mark_rule(color=MARKER_COLOUR, strokeWidth=1.5)
            .encode(x="a:Q", tooltip=[_label_tooltip()])
        )
    if b0 is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"b": [b0], "label": [f"b = {b0:g}"]}))
            .mark_rule(color=MARKER_COLOUR, strokeWidth=1.5)
            .encode(y="b:Q", tooltip=[_label_tooltip()])
        )
    return alt.layer(*layers, title=title).properties(width=size, height=size)


def slice_chart(table: pd.DataFrame, x: str, x_title: str, title: str, height: int = 300):
    """g and its derivative along one slice, as two labelled lines."""
    derivative = next(c for c in table.columns if c.startswith("dg_"))
    names = {"g": "g", derivative: {"dg_da": "∂g/∂a", "dg_db": "∂g/∂b"}[derivative]}
    long = table.melt(id_vars=[x], value_vars=list(names), var_name="series", value_name="y")
    long["series"] = long["series"].map(names)
    return overlaid_lines(
        long,
        x=x,
        y="y",
        series="series",
        x_title=x_title,
        y_title=_("value"),
        title=title,
        height=height,
        series_title=_("curve"),
    )


def diagonal_chart(diagonal: pd.DataFrame, height: int = 320) -> alt.Chart:
    """The unit on a = b against its gate alone: two different curves, neither "the" unit."""
    return overlaid_lines(
        diagonal,
        x="x",
        y="y",
        series="series",
        x_title=_("x (a = b = x, or a = x with b = 1)"),
        y_title=_("output"),
        height=height,
        series_title=_("curve"),
    )
