"""Every chart goes on screen through ``draw``: one theme, sized for this view.

``draw`` applies ``actlab.charts.theme`` (dark text, solid legend symbols, font sizes that grow in
presenter mode) to the chart's Vega-Lite spec at the moment it is shown, so a cached spec serves
both modes, and turns Streamlit's own grey chart theme off. ``chart_with_downloads`` adds PNG /
SVG / CSV buttons, whose files are made only when clicked (deferred callables), in the same
theme.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from actlab.charts.theme import themed
from actlab.export import chart_png, chart_svg

PRESENTING = "present"  # the presenter-mode toggle's key (ui.frame)


def cacheable_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as the Vega-Lite dict Streamlit sends, datasets already as Arrow IPC bytes.

    It is plain picklable data, so a page can ``st.cache_data`` it and a rerun with an unchanged
    view skips Altair's spec building and the data conversion (~80 ms a chart). This reuses
    Streamlit's own converter (private, but the Streamlit version is pinned and the page tests
    read the charts it produces).
    """
    return _convert_altair_to_vega_lite_spec(chart)


def presenting() -> bool:
    """Whether this view is in presenter mode (charts then use the large text sizes)."""
    return bool(st.session_state.get(PRESENTING, False))


def themed_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec in this view's theme."""
    spec = chart if isinstance(chart, dict) else cacheable_spec(chart)
    return themed(spec, presenting())


def draw(
    chart: alt.TopLevelMixin | dict,
    container: DeltaGenerator | None = None,
    width: int | str = "stretch",
) -> None:
    """Show ``chart`` (an Altair chart or its cached spec) in the app's chart theme.

    ``width`` is ``"stretch"`` for charts that read well at any width, or pixels for charts whose
    shape carries meaning (a square decision surface).
    """
    target = container if container is not None else st
    target.vega_lite_chart(themed_spec(chart), width=width, theme=None)


def chart_with_downloads(chart: alt.TopLevelMixin | dict, data: pd.DataFrame, name: str) -> None:
    """The chart plus PNG, SVG and CSV downloads named after ``name``.

    ``chart`` may be an Altair chart or its cached Vega-Lite spec: building and validating an
    Altair spec costs ~80 ms, which a page with several charts should not pay on every rerun.
    """
    spec = themed_spec(chart)
    draw(spec)
    formats = [
        ("PNG", lambda: chart_png(spec), "png", "image/png", ":material/image:"),
        ("SVG", lambda: chart_svg(spec), "svg", "image/svg+xml", ":material/draw:"),
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
