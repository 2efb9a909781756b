"""Render a chart with PNG / SVG / CSV download buttons beneath it.

The files are made only when a button is clicked (deferred callables), so exports cost nothing
on an ordinary rerun.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from actlab.export import chart_png, chart_svg


def chart_with_downloads(chart: alt.TopLevelMixin, data: pd.DataFrame, name: str) -> None:
    """``st.altair_chart`` plus PNG, SVG and CSV downloads named after ``name``."""
    st.altair_chart(chart, width="stretch")
    formats = [
        ("PNG", lambda: chart_png(chart), "png", "image/png", ":material/image:"),
        ("SVG", lambda: chart_svg(chart), "svg", "image/svg+xml", ":material/draw:"),
        ("CSV", lambda: data.to_csv(index=False), "csv", "text/csv", ":material/table:"),
    ]
    for column, (label, make, extension, mime, icon) in zip(
        st.columns(len(formats), width=420, gap="small"), formats, strict=True
    ):
        column.download_button(
            label,
            make,
            file_name=f"{name}.{extension}",
            mime=mime,
            icon=icon,
            key=f"dl_{extension}_{name}",
            type="tertiary",
        )
