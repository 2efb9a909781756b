"""actlab: the router. Declares the pages and the frame they share; pages do the rest."""

from __future__ import annotations

import logging

import streamlit as st

from actlab import budget, memory
from ui import bound
from ui.catalogue import custom_activation_field
from ui.frame import (
    ROUTER_ACTIVE,
    PageEnd,
    notice_unusable_link_values,
    presenter_controls,
    presenter_toggle,
    unexpected_error,
    url_state,
)
from ui.lessons import HOME, LESSONS, key_prefix

st.set_page_config(
    page_title="actlab — activation-function lab",
    page_icon="📈",
    layout="wide",
    # A presenter's link opens with the sidebar folded: the projector shows the lesson.
    initial_sidebar_state="collapsed" if st.query_params.get("present") == "true" else "auto",
)

PAGES = {
    "Start": [st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)],
    "Lessons": [
        st.Page(lesson.path, title=lesson.title, icon=lesson.icon, url_path=lesson.url_path)
        for lesson in LESSONS
    ],
}

# Once per server: a thread that hands memory freed by expired sessions back to the OS.
memory.keep_releasing(budget.KEEPER_SECONDS, budget.KEEPER_GROWTH_BYTES, budget.KEEPER_IDLE_SECONDS)

page = st.navigation(PAGES)
prefix = key_prefix(page.url_path)
link_state = url_state()
bound.start_run()
st.session_state[ROUTER_ACTIVE] = True

presenter_panel, presenting = presenter_toggle(st.sidebar.container())
custom_activation_field()
with st.sidebar:
    st.caption("actlab · activation functions, seen. MNIST: LeCun, Cortes & Burges (bundled).")

try:
    page.run()
except PageEnd:
    pass  # the page ended early on purpose (ui.frame.end_page); the frame is still drawn
except Exception:  # never a traceback or a server path on a public server
    logging.getLogger("actlab").exception("page %s failed", page.url_path)
    unexpected_error()

refused_hide = presenter_controls(presenter_panel, presenting, prefix)
if prefix:
    notice_unusable_link_values(link_state, prefix, refused_hide)
