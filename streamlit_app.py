"""actlab: the router. Declares the pages and the frame they share; pages do the rest."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="actlab — activation-function lab", page_icon="📈", layout="wide")

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
    ],
}

page = st.navigation(PAGES)

with st.sidebar:
    st.caption(
        "actlab · activation functions, seen. MNIST: LeCun, Cortes & Burges (bundled, offline)."
    )

page.run()
