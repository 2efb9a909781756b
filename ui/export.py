"""Render a chart with PNG / SVG / CSV download buttons beneath it.

The files are made only when a button is clicked (deferred callables), so exports cost nothing
on an ordinary rerun.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from actlab.export import chart_png, chart_svg


def cacheable_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as the Vega-Lite dict Streamlit sends, datasets already as Arrow IPC bytes.

    It is plain picklable data, so a page can ``st.cache_data`` it and a rerun with an unchanged
    view skips Altair's spec building and the data conversion (~80 ms a chart). This reuses
    Streamlit's own converter (private, but the Streamlit version is pinned and the page tests
    read the charts it produces).
    """
    return _convert_altair_to_vega_lite_spec(chart)


def chart_with_downloads(chart: alt.TopLevelMixin | dict, data: pd.DataFrame, name: str) -> None:
    """The chart plus PNG, SVG and CSV downloads named after ``name``.

    ``chart`` may be an Altair chart or its cached Vega-Lite spec: building and validating an
    Altair spec costs ~80 ms, which a page with several charts should not pay on every rerun.
    """
    if isinstance(chart, dict):
        st.vega_lite_chart(chart, width="stretch")
    else:
        st.altair_chart(chart, width="stretch")
    formats = [
        ("PNG", lambda: chart_png(chart), "png", "image/png", ":material/image:"),
        ("SVG", lambda: chart_svg(chart), "svg", "image/svg+xml", ":material/draw:"),
        ("CSV", lambda: data.to_csv(index=False).encode(), "csv", "text/csv", ":material/table:"),
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
