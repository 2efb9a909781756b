"""actlab: the router. Declares the pages and the frame they share; pages do the rest.

It draws the menu and the lesson's heading before importing torch and the rest (~2-3 s on a
fresh server), so a link opened at the start of class shows the lesson at once. The pages live
in app_pages/, not pages/: Streamlit runs a folder named pages/ as a legacy multipage app until
this script's first run, showing its own list of the files instead of this menu.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui import bound
from ui.frame import url_state
from ui.i18n import _, choose_language, language_switch
from ui.lessons import HOME, LESSONS, key_prefix, lesson_at

st.set_page_config(
    page_title=_("actlab — activation-function lab"),
    page_icon="📈",
    layout="wide",
    # A presenter's link opens with the sidebar folded: the projector shows the lesson.
    initial_sidebar_state="collapsed" if st.query_params.get("present") == "true" else "auto",
)

link_state = url_state()  # the link as sent, before any widget (the language's) reads it
bound.start_run()
choose_language()  # before any text: the menu and the heading are in the visitor's language
PAGES = {
    _("Start"): [st.Page(HOME.path, title=_(HOME.title), icon=HOME.icon, default=True)],
    _("Lessons"): [
        st.Page(lesson.path, title=_(lesson.title), icon=lesson.icon, url_path=lesson.url_path)
        for lesson in LESSONS
    ],
}
page = st.navigation(PAGES)
language_switch(st.sidebar)
lesson = lesson_at(page.url_path)
if lesson is not None:  # what to look for, on screen before the heavy imports below
    st.title(_(lesson.heading))
    st.info(_(lesson.notice), icon=":material/visibility:")

# Imported after the first paint on purpose (see the docstring).
from actlab import budget, memory
from ui.catalogue import custom_activation_field, custom_activation_problem
from ui.frame import (
    ROUTER_ACTIVE,
    PageEnd,
    formula_problem,
    notice_unusable_link_values,
    presenter_controls,
    presenter_toggle,
    unexpected_error,
)

# Once per server: a thread that hands memory freed by expired sessions back to the OS.
memory.keep_releasing(budget.KEEPER_SECONDS, budget.KEEPER_GROWTH_BYTES, budget.KEEPER_IDLE_SECONDS)

prefix = key_prefix(page.url_path)
st.session_state[ROUTER_ACTIVE] = True

presenter_panel, presenting = presenter_toggle(st.sidebar.container())
custom_activation_field()
if lesson is not None and custom_activation_problem():
    formula_problem(custom_activation_problem())  # on the page too: presenting folds the sidebar
with st.sidebar:
    st.caption(_("actlab · activation functions, seen. MNIST: LeCun, Cortes & Burges (bundled)."))

try:
    page.run()
except PageEnd:
    pass  # the page ended early on purpose (ui.frame.end_page); the frame is still drawn
except Exception:  # never a traceback or a server path on a public server
    logging.getLogger("actlab").exception("page %s failed", page.url_path)
    unexpected_error()

refused_hide = presenter_controls(presenter_panel, presenting, prefix)
notice_unusable_link_values(link_state, prefix, refused_hide)
