"""The session's view of the catalogue: torch's activations plus the user's own formula.

The formula field lives in the router's sidebar (URL key ``fx``) so a typed activation is
available on every page and travels in every shared link.
"""

from __future__ import annotations

import streamlit as st

from actlab import activations, formula
from actlab.i18n import _, localized_error
from ui.bound import bound
from ui.safe_text import literal

CUSTOM_STATE = "_custom_activation_id"
CUSTOM_PROBLEM = "_custom_activation_problem"  # why the typed formula was refused, or None


def custom_activation_field() -> None:
    """Sidebar field for a formula in x; stores the validated id for the pages to offer."""
    with st.sidebar.expander(":material/function: " + _("Your own activation"), expanded=False):
        text = bound(
            st.text_input,
            "f(x) =",
            key="fx",
            max_chars=formula.MAX_LENGTH,
            placeholder="x * sigmoid(beta * x)",
            help=_(
                "Numbers, + - * / ** and x, named parameters (they get sliders), and "
                "{functions}. Then pick it like any other activation."
            ).format(
                functions="exp log log1p sqrt abs sin cos tanh sigmoid relu softplus erf "
                "minimum maximum clamp where(x > 0, a, b)"
            ),
        )
        st.session_state[CUSTOM_STATE] = st.session_state[CUSTOM_PROBLEM] = None
        if text.strip():
            try:
                st.session_state[CUSTOM_STATE] = activations.custom_id(text)
                st.caption(_("Added as **Custom** to every activation list."))
            except ValueError as err:
                st.session_state[CUSTOM_PROBLEM] = localized_error(err)
                st.error(literal(localized_error(err)), icon=":material/error:")


def custom_activation_problem() -> str | None:
    """Why the typed formula was refused (shown on the page too: presenter mode folds the
    sidebar away), or None."""
    return st.session_state.get(CUSTOM_PROBLEM)


def custom_activation_id() -> str | None:
    """The id of the formula the user typed (``custom:...``), or None."""
    return st.session_state.get(CUSTOM_STATE)


def custom_activations() -> list[str]:
    """The user's formula as a list: empty, or its one id (for lists built from the catalogue)."""
    custom = custom_activation_id()
    return [custom] if custom else []


def activation_options() -> list[str]:
    """Every activation a page may offer: the catalogue, then the user's formula if any."""
    return activations.names() + custom_activations()


def widget_slug(name: str) -> str:
    """A widget-key-safe stand-in for an activation id (a formula is not a good key)."""
    return "fx" if activations.is_custom(name) else name
