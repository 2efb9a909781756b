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
    png, svg, csv = st.columns(3, width=420, gap="small")
    png.download_button(
        "PNG",
        lambda: chart_png(chart),
        file_name=f"{name}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"dl_png_{name}",
        type="tertiary",
    )
    svg.download_button(
        "SVG",
        lambda: chart_svg(chart),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        icon=":material/draw:",
        key=f"dl_svg_{name}",
        type="tertiary",
    )
    csv.download_button(
        "CSV",
        lambda: data.to_csv(index=False),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/table:",
        key=f"dl_csv_{name}",
        type="tertiary",
    )
