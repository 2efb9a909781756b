"""Home: what actlab is and what each lesson shows."""

import streamlit as st

from ui.i18n import _
from ui.lessons import LESSONS

st.title(_("actlab — the activation-function lab"))
st.markdown(
    _(
        "Activation functions are the one nonlinear step in a neural network. Each lesson below "
        "makes one consequence of that choice visible, computed live with PyTorch."
    )
)

st.caption(
    _(
        "Want to try your own function, say x·sigmoid(1.702x)? Type it under *Your own "
        "activation* in the sidebar: it joins every activation list, with its parameters as "
        "sliders."
    )
)

for lesson in LESSONS:
    with st.container(border=True):
        st.page_link(lesson.path, label=_(lesson.title), icon=lesson.icon)
        st.markdown(_(lesson.blurb))
