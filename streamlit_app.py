"""actlab: the router. Declares the pages and the frame they share; pages do the rest."""

from __future__ import annotations

import streamlit as st

from ui.catalogue import custom_activation_field
from ui.frame import notice_dropped_url_values, presenter_sidebar, url_state

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

presenter_sidebar(prefix)
custom_activation_field()
with st.sidebar:
    st.caption("actlab · activation functions, seen. MNIST: LeCun, Cortes & Burges (bundled).")

page.run()

if prefix:
    notice_dropped_url_values(link_state, prefix)
