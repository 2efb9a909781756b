"""Charts of the MNIST lesson: the confusion matrix (its curves: ``charts.learning_curves``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from actlab.i18n import _


def confusion_heatmap(counts: pd.DataFrame, height: int = 380) -> alt.LayerChart:
    """Rows: true class; columns: predicted; colour: share of the true class; number: count."""
    order = list(dict.fromkeys(counts["true"]))
    base = alt.Chart(counts).encode(
        x=alt.X("predicted:N", sort=order, title=_("predicted"), axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("true:N", sort=order, title=_("true class")),
        tooltip=[
            alt.Tooltip("true:N", title=_("true")),
            alt.Tooltip("predicted:N", title=_("predicted")),
            alt.Tooltip("count:Q", format=",", title=_("count")),
            alt.Tooltip("share:Q", format=".2%", title=_("share of the true class")),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q", title=_("share"), scale=alt.Scale(scheme="blues", domain=[0, 1], type="sqrt")
        )
    )
    numbers = base.mark_text().encode(  # the theme's text size: 20 px when presenting
        text=alt.Text("count:Q"),
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#0f172a")),
    )
    return alt.layer(cells, numbers).properties(height=height)
