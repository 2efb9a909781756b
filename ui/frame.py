"""The common frame of every page: header, presenter mode, shareable links, friendly errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlencode

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from actlab.i18n import _, language, localized_error
from ui.bound import KEY_PATTERN, bound, link_fixes, relabelled, shown_labels
from ui.bound import controls as bound_controls
from ui.safe_text import literal, shorten

T = TypeVar("T")
ROUTER_ACTIVE = "_actlab_router_active"  # session state: the page runs inside the router
GLOBAL_KEYS = ("present", "fx", "lang")  # link keys that belong to every page
ECHO_CHARS = 40  # a link value quoted in a notice is cut to this
LANGUAGE = "lang"  # the link key of the language (ui.i18n), always in a shared link

PRESENTER_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] {
  max-width: 100%; padding: 3rem 2rem 2rem 2rem;  /* the first chart above a 720 px fold */
}
/* Headings stay the largest text but give their height to the charts */
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding: 0.75rem 0 0.5rem 0; }
[data-testid="stMainBlockContainer"] h2 { font-size: 1.5rem; padding: 0.5rem 0 0.25rem 0; }
</style>
"""


def formula_problem(problem: str) -> None:
    """Why the typed formula was refused, under the lesson's heading."""
    st.error(
        _(
            "Your own activation is not in the lists: {problem}. "
            "Fix it under *Your own activation* in the sidebar."
        ).format(problem=literal(problem.rstrip("."))),
        icon=":material/function:",
    )


def predict_then_reveal(
    question: str, options: Sequence[str], answer: int, explanation: str, key: str
) -> None:
    """A question to commit to before looking: the answer shows only after a choice is made."""
    with st.expander(":material/quiz: " + _("Predict first: {question}").format(question=question)):
        # The answer is stored by position, so a language switch keeps it.
        choice = st.radio(
            question,
            range(len(options)),
            index=None,
            format_func=lambda i: options[i],
            key=key,
            label_visibility="collapsed",
        )
        if choice is None:
            st.caption(_("Pick an answer, then check it against the charts."))
        elif choice == answer:
            st.success(_("Right. {explanation}").format(explanation=explanation))
        else:
            st.warning(
                _("Not quite: the answer is **{answer}**. {explanation}").format(
                    answer=literal(options[answer]), explanation=explanation
                )
            )


class PageEnd(Exception):
    """Raised by ``end_page``: the router catches it and still draws the shared frame."""


def end_page() -> None:
    """End this page's run here, like ``st.stop()``, but let the router finish the frame.

    ``st.stop()`` also stops the router's code after ``page.run()``, which draws presenter mode
    from the controls the page registered; inside the router a page ends with this instead.
    A page run on its own (tests) has no router to catch it, so there it is ``st.stop()``.
    """
    if st.session_state.get(ROUTER_ACTIVE):
        raise PageEnd
    st.stop()


def guarded(compute: Callable[[], T]) -> T | None:
    """Run ``compute``; a ``ValueError`` from actlab becomes a clear on-page message.

    Returns ``None`` after showing the message so the page can skip what depends on it. The
    message may quote what a visitor typed, so it is shown as literal text.
    """
    try:
        return compute()
    except ValueError as err:
        st.error(literal(localized_error(err)), icon=":material/error:")
        return None


def unexpected_error() -> None:
    """What a visitor sees when a page fails in a way nobody planned: no traceback, no path."""
    st.error(
        _(
            "Something went wrong while drawing this page. Change a setting or reload; if it "
            "keeps happening, tell the lecturer which link you opened."
        ),
        icon=":material/error:",
    )


def url_state() -> dict[str, list[str]]:
    """The query string as it is now, repeated keys kept (multiselects use them)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def share_link(base_url: str, state: dict[str, list[str]]) -> str:
    query = urlencode([(key, value) for key, values in state.items() for value in values])
    return f"{base_url}?{query}" if query else base_url


def presenter_toggle(slot: DeltaGenerator) -> tuple[DeltaGenerator, bool]:
    """The *Present & share* expander in ``slot`` and whether presenter mode is on.

    Drawn before the page runs, because the page's charts are sized for presenter mode; the
    rest of the expander is filled in by ``presenter_controls`` once the page has run.
    """
    panel = slot.expander(":material/co_present: " + _("Present & share"))
    with panel:
        presenting = bound(st.toggle, _("Presenter mode"), key="present")
    return panel, bool(presenting)


def presenter_controls(panel: DeltaGenerator, presenting: bool, page_prefix: str) -> list[str]:
    """Controls to hide, and a copyable link to exactly this view; returns the ``hide`` values
    of the link that name no control of this page (refused).

    Hidden controls still run (their values come from the URL); CSS only takes them off the
    screen, TensorFlow-Playground style. Streamlit gives each keyed widget the class st-key-KEY;
    only keys of controls this page drew are accepted, so a link cannot bring its own CSS.
    """
    on_page = bound_controls(page_prefix) if page_prefix else {}
    requested = st.query_params.get_all("hide")
    hidden = [key for key in dict.fromkeys(requested) if key in on_page]
    with panel:
        chosen = st.multiselect(
            _("Hide these controls while presenting"),
            list(on_page),
            default=hidden,
            format_func=on_page.get,
            help=_("Their values stay as set, and in the link."),
        )
        if chosen != requested:
            st.query_params["hide"] = chosen
        base = str(st.context.url).split("?")[0] if st.context.url else ""
        st.caption(_("Link to this exact view (copy with the icon):"))
        st.code(
            share_link(base, url_state() | {LANGUAGE: [language()]}), language=None, wrap_lines=True
        )
    if presenting:
        st.html(PRESENTER_CSS + hiding_css(chosen))
    return [key for key in requested if key not in on_page]


def hiding_css(keys: Sequence[str]) -> str:
    """A ``<style>`` block hiding the widgets with these keys; anything but a plain key is
    left out, so no text from a link reaches the CSS."""
    rules = "".join(
        f".st-key-{key} {{ display: none !important; }}" for key in keys if KEY_PATTERN.match(key)
    )
    return f"<style>{rules}</style>" if rules else ""


def notice_unusable_link_values(
    before: dict[str, list[str]], page_prefix: str, refused_hide: Sequence[str] = ()
) -> None:
    """Tell the user when a link carried values the page could not use, by the controls' names.

    Three cases: a value ``bound`` changed or refused before the widget saw it (out of range,
    not a number, too long), a value the widget itself refused (not one of its options), and a
    key of this page that no control on it reads.
    """
    drawn = bound_controls(page_prefix)
    if page_prefix:
        fixes = [f for f in link_fixes() if f.key.startswith(page_prefix) or f.key in GLOBAL_KEYS]
    else:  # the home page has no controls of its own: only the shared ones are checked
        fixes = [f for f in link_fixes() if f.key in GLOBAL_KEYS]
        before, refused_hide = {}, ()
    fixed = {fix.key for fix in fixes}
    lines = [f"{fix.label}: “{_echo(fix.given)}” {fix.outcome_text()}" for fix in fixes]
    after = url_state()
    shown = {key: {label.lower() for label in labels} for key, labels in shown_labels().items()}
    before = before | relabelled()  # a value named in another language is the same value
    for key, values in before.items():
        if key in fixed or not key.startswith(page_prefix):
            continue
        if key not in drawn:
            lines.append(_("“{key}” is not a setting of this view, ignored").format(key=_echo(key)))
            continue
        if after.get(key) == values:
            continue
        current = st.session_state.get(key)
        # A valid value equal to the default is also removed from the URL: that is no error.
        current_text = (  # as written: a Chinese label must not become \u escapes
            json.dumps(current, default=str, ensure_ascii=False).lower()
            if current is not None
            else ""
        )
        if key in shown:  # a choice control: the link must name what it shows, exactly
            unusable = [
                value
                for value in values
                if value.lower() not in shown[key] and not _same_number(value, current)
            ]
        else:  # a tab, a slider, a text: the value as written, or the same number
            unusable = [
                value
                for value in values
                if value.lower() not in current_text and not _same_number(value, current)
            ]
        if unusable:
            given = _echo(", ".join(unusable))
            lines.append(
                _("{control}: “{given}” is not one of its choices, default shown").format(
                    control=drawn[key], given=given
                )
            )
    for key in refused_hide:
        lines.append(
            _("Hide: “{key}” is not a control of this view, ignored").format(key=_echo(key))
        )
    if lines:
        message = (
            _("Some link values could not be used:")
            + "  \n"
            + "  \n".join(literal(line) for line in lines[:8])
        )
        st.toast(message, icon=":material/link_off:", duration=12)


def _echo(text: str) -> str:
    """A link value as quoted in a notice: short, and later escaped as a whole."""
    return shorten(text, ECHO_CHARS)


def _same_number(text: str, value: object) -> bool:
    try:
        return float(text) == float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False
