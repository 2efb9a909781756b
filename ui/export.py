"""Every chart goes on screen through ``draw``: one theme, sized for this view.

``draw`` applies ``actlab.charts.theme`` (dark text, solid legend symbols, font sizes that grow in
presenter mode) to the chart's Vega-Lite spec at the moment it is shown, so a cached spec serves
both modes, and turns Streamlit's own grey chart theme off. ``chart_with_downloads`` adds PNG /
SVG / CSV buttons, whose files are made only when clicked (deferred callables), in the same
theme.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from actlab.charts.theme import themed
from actlab.export import chart_png, chart_svg
from actlab.i18n import _

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


def cacheable_or_dict(chart: alt.TopLevelMixin | dict) -> dict:
    """A spec dict as it is, an Altair chart as its ``cacheable_spec``."""
    return chart if isinstance(chart, dict) else cacheable_spec(chart)


def themed_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec in this view's theme."""
    return themed(cacheable_or_dict(chart), presenting())


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


ChartLike = alt.TopLevelMixin | dict


def chart_with_downloads(
    chart: ChartLike | Callable[[], ChartLike],
    data: pd.DataFrame | Callable[[], pd.DataFrame],
    name: str,
) -> None:
    """The chart plus PNG, SVG and CSV downloads named after ``name`` (marked with ``N_`` where
    it holds words: the files are named in the visitor's language, the buttons' keys are not).

    ``chart`` may be an Altair chart or its cached Vega-Lite spec: building and validating an
    Altair spec costs ~80 ms, which a page with several charts should not pay on every rerun.

    The files are made on click by callables Streamlit keeps with the session until its next
    run, and a closed tab's session lives on for ``server.disconnectedSessionTTL``. A page with
    large data therefore passes ``chart`` and ``data`` as functions that fetch them again from
    its caches (``functools.partial(cached_spec, ...)``): then a session keeps the cache keys,
    not megabytes of tables (the Explorer at 31 functions x 3201 points held ~9 MB per session).
    """
    spec = themed_spec(chart() if callable(chart) else chart)
    draw(spec)
    view_presenting = presenting()  # the click is served outside the script run: read it now

    if callable(chart):  # fetched again on click: the session keeps the function, not the spec

        def spec_on_click() -> dict:
            return themed(cacheable_or_dict(chart()), view_presenting)

    else:

        def spec_on_click() -> dict:
            return spec

    def csv_on_click() -> bytes:
        return (data() if callable(data) else data).to_csv(index=False).encode()

    formats = [
        ("PNG", lambda: chart_png(spec_on_click()), "png", "image/png", ":material/image:"),
        ("SVG", lambda: chart_svg(spec_on_click()), "svg", "image/svg+xml", ":material/draw:"),
        ("CSV", csv_on_click, "csv", "text/csv", ":material/table:"),
    ]
    for column, (label, make, extension, mime, icon) in zip(
        st.columns(len(formats), width=420, gap="small"), formats, strict=True
    ):
        column.download_button(
            label,
            make,
            file_name=f"{_(name)}.{extension}",  # a marked name reads in the visitor's language
            mime=mime,
            icon=icon,
            key=f"dl_{extension}_{name}",
            type="tertiary",
        )
