"""The visitor's language: chosen once per run, then every text goes through ``_``.

Where the language comes from, first match wins:

1. the ``lang`` link value, so a shared link opens in the sender's language ("en" or "zh-CN";
   anything else is dropped and named in the usual notice about unusable link values),
2. the sidebar switch (bound to the URL like every control, so a switch keeps the link current),
3. the browser's language (``st.context.locale``: any ``zh`` locale picks Chinese),
4. English.

Option values and widget keys never depend on the language (labels come from ``format_func``),
so the widgets' state survives a switch. Streamlit writes an option's *label* into the URL,
though, so ``ui.bound.bound`` renames a link's label from another language to this one before
the widget reads it; tabs, whose value is their label, get the same through ``tabs``.

To translate a page: wrap each text in ``_()`` (``N_()`` for module-level tables, translated
where shown; ``ngettext`` where a count decides the form), give cached functions whose results
hold words a ``lang`` argument, run ``python -m tools.translations update``, fill the new
``msgstr`` lines of locales/zh_CN/LC_MESSAGES/actlab.po (terms: docs/glossary.zh-CN.md), run
``... compile``, and add the page to ``WALKED_PAGES`` in tests/test_i18n.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from actlab import i18n
from actlab.i18n import N_, Refusal, language, localized_error, ngettext
from ui.bound import bound, labels_in_every_language, refuse_link_value, relabel_link_value

__all__ = [
    "LANGUAGE_KEY",
    "N_",
    "Refusal",
    "_",
    "browser_language",
    "choose_language",
    "language",
    "language_switch",
    "localized_error",
    "ngettext",
    "tabs",
]

LANGUAGE_KEY = "lang"
LANGUAGE_NAMES = {"en": "English", "zh-CN": "中文（简体）"}  # each in its own language
SWITCH_LABEL = "Language · 语言"  # both, so it can be found whatever is on screen
_ = i18n._


def browser_language() -> str:
    """The language of the visitor's browser if we have it, else English."""
    locale = st.context.locale
    if isinstance(locale, str) and locale.lower().startswith("zh"):
        return "zh-CN"
    return "en"


def choose_language() -> str:
    """Set the language of this run from the link, the switch's last value or the browser, and
    return it ("en" or "zh-CN").

    Called by the router before anything is drawn, so the menu and headings are translated;
    the switch itself is drawn later (``language_switch``): a widget drawn before
    ``st.navigation`` is not bound to the URL.
    """
    given = st.query_params.get_all(LANGUAGE_KEY)
    if any(value not in i18n.LANGUAGES for value in given):
        # Dropped before the widget sees it: an unknown value would otherwise silently win.
        refuse_link_value(LANGUAGE_KEY, SWITCH_LABEL, N_("not a language of this app, ignored"))
        given = []
    chosen = st.session_state.get(LANGUAGE_KEY)
    if chosen not in i18n.LANGUAGES:
        chosen = given[-1] if given else browser_language()
    i18n.set_language(chosen)
    return chosen


def language_switch(slot) -> None:
    """The switch in ``slot`` (the sidebar), bound to the URL; it shows the language of this
    run, and a click reruns the app, whose ``choose_language`` then reads the new value."""
    with slot:
        bound(
            st.radio,
            SWITCH_LABEL,
            list(i18n.LANGUAGES),  # no format_func: the link says lang=zh-CN, not the label
            index=i18n.LANGUAGES.index(browser_language()),
            captions=[LANGUAGE_NAMES[code] for code in i18n.LANGUAGES],
            horizontal=True,
            key=LANGUAGE_KEY,
        )


def tabs(sources: Sequence[str], key: str, control_label: str):
    """``st.tabs`` bound to the URL, labelled with the translations of the marked ``sources``.

    A tab's value is its label, so a link or a session that names the open tab in another
    language (the link was shared from a Chinese view, the visitor just switched) is mapped to
    the same tab here before the widget reads it.
    """
    labels = [_(source) for source in sources]
    same_tab = labels_in_every_language(sources, _)
    relabel_link_value(key, same_tab)
    current = st.session_state.get(key)
    if isinstance(current, str) and current in same_tab and current != same_tab[current]:
        st.session_state[key] = same_tab[current]
    return bound(st.tabs, labels, key=key, control_label=control_label)
