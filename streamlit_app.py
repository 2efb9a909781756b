"""actlab: the router. Declares the pages and the frame they share; pages do the rest."""

from __future__ import annotations

import logging

import streamlit as st

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

st.set_page_config(page_title="actlab — activation-function lab", page_icon="📈", layout="wide")

# Each page's widget keys (and so its URL parameters) start with its prefix.
PREFIXES = {
    "explorer": "ex_",
    "nonlinearity": "nl_",
    "playground": "pg_",
    "gradients": "gr_",
    "softmax": "sm_",
    "mnist": "mn_",
}

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Lessons": [
        st.Page(
            "pages/explorer.py",
            title="Activation Explorer",
            icon=":material/show_chart:",
            url_path="explorer",
        ),
        st.Page(
            "pages/nonlinearity.py",
            title="Why nonlinearity",
            icon=":material/stacked_line_chart:",
            url_path="nonlinearity",
        ),
        st.Page(
            "pages/playground.py",
            title="Playground",
            icon=":material/scatter_plot:",
            url_path="playground",
        ),
        st.Page(
            "pages/gradients.py",
            title="Gradients: vanish, explode, die",
            icon=":material/trending_down:",
            url_path="gradients",
        ),
        st.Page(
            "pages/softmax.py",
            title="Softmax & losses",
            icon=":material/functions:",
            url_path="softmax",
        ),
        st.Page(
            "pages/mnist.py",
            title="MNIST training",
            icon=":material/model_training:",
            url_path="mnist",
        ),
    ],
}

page = st.navigation(PAGES)
prefix = PREFIXES.get(page.url_path, "")
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
