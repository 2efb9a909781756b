"""The common frame of every page: header, presenter mode, shareable links, friendly errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlencode

import streamlit as st

T = TypeVar("T")

PRESENTER_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def ensure_router() -> None:
    """Make sure this page runs inside streamlit_app.py's st.navigation, never on its own.

    Streamlit treats a ``pages/`` folder as a legacy multipage app until the router's
    st.navigation call first runs, so a shared deep link (``/explorer?...``) opened on a freshly
    started server would run the page without the router (no shared sidebar, wrong menu).
    Clearing that flag and rerunning hands the request to the router, which picks the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def lesson_header(title: str, notice: str) -> None:
    """Page title plus the one or two sentences telling the student what to look for."""
    ensure_router()
    st.title(title)
    st.info(notice, icon=":material/visibility:")


def predict_then_reveal(
    question: str, options: Sequence[str], answer: int, explanation: str, key: str
) -> None:
    """A question to commit to before looking: the answer shows only after a choice is made."""
    with st.expander(f":material/quiz: Predict first: {question}"):
        choice = st.radio(question, options, index=None, key=key, label_visibility="collapsed")
        if choice is None:
            st.caption("Pick an answer, then check it against the charts.")
        elif options.index(choice) == answer:
            st.success(f"Right. {explanation}")
        else:
            st.warning(f"Not quite: the answer is **{options[answer]}**. {explanation}")


def guarded(compute: Callable[[], T]) -> T | None:
    """Run ``compute``; a ``ValueError`` from actlab becomes a clear on-page message.

    Returns ``None`` after showing the message so the page can skip what depends on it.
    """
    try:
        return compute()
    except ValueError as err:
        st.error(f"{err}", icon=":material/error:")
        return None


def url_state() -> dict[str, list[str]]:
    """The query string as it is now, repeated keys kept (multiselects use them)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def share_link(base_url: str, state: dict[str, list[str]]) -> str:
    query = urlencode([(key, value) for key, values in state.items() for value in values])
    return f"{base_url}?{query}" if query else base_url


def presenter_sidebar(page_prefix: str) -> None:
    """Presenter mode, controls to hide, and a copyable link to exactly this view.

    Hidden controls still run (their values come from the URL); CSS only takes them off the
    screen, TensorFlow-Playground style. Streamlit gives each keyed widget the class st-key-KEY.
    """
    with st.sidebar.expander(":material/co_present: Present & share"):
        presenting = st.toggle("Presenter mode", key="present", bind="query-params")
        page_keys = sorted(
            key
            for key in st.session_state
            if isinstance(key, str) and page_prefix and key.startswith(page_prefix)
        )
        requested = st.query_params.get_all("hide")
        hidden = st.multiselect(
            "Hide these controls while presenting",
            sorted(set(page_keys) | set(requested)),
            default=requested,
            help="Widget keys of this page; their values stay as set (and in the link).",
        )
        if hidden != requested:
            st.query_params["hide"] = hidden
        base = str(st.context.url).split("?")[0] if st.context.url else ""
        st.caption("Link to this exact view (copy with the icon):")
        st.code(share_link(base, url_state()), language=None, wrap_lines=True)
    if presenting:
        rules = "".join(f".st-key-{key} {{ display: none !important; }}" for key in hidden)
        st.html(PRESENTER_CSS + (f"<style>{rules}</style>" if rules else ""))


def notice_dropped_url_values(before: dict[str, list[str]], page_prefix: str) -> None:
    """Tell the user when a link carried values the page could not use (they fell back)."""
    after = url_state()
    dropped = []
    for key, values in before.items():
        if not key.startswith(page_prefix) or after.get(key) == values:
            continue
        current = st.session_state.get(key)
        # A valid value equal to the default is also removed from the URL: that is no error.
        current_text = json.dumps(current, default=str).lower() if current is not None else ""
        unusable = [
            value
            for value in values
            if value.lower() not in current_text and not _same_number(value, current)
        ]
        if unusable:
            dropped.append(f"{key}={','.join(unusable)}")
    if dropped:
        message = "Ignored link values the page can't use (defaults shown instead): "
        st.toast(message + "; ".join(dropped), icon=":material/link_off:", duration=12)


def _same_number(text: str, value: object) -> bool:
    try:
        return float(text) == float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
