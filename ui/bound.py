"""Widgets bound to the URL, with the link's value checked before the widget sees it.

Every control a page shares through the URL is created with ``bound(st.slider, "Label", ...,
key="ex_x")``. Before Streamlit seeds the widget from the link, the value is validated and
clamped against the widget's own arguments (range, options, length), because a link comes from
anyone: Streamlit raises ``OverflowError`` for ``inf`` or a 309-digit number in an integer
``number_input`` and would echo a 10,000-character text. ``bound`` also records each control's
label for this run, so presenter mode can offer "hide this control" by the names on screen and the
notice about unusable link values can name them.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st

from actlab.i18n import LANGUAGES, N_, Message, counted, using

MAX_LINK_TEXT = 200  # characters of one link value (a formula field may set its own max_chars)
MAX_LINK_VALUES = 64  # repeats of one key; a multiselect takes at most one per option
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what a CSS class built from a key may hold
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_INFINITY = re.compile(r"^\s*([+-]?)(inf|infinity)\s*$", re.IGNORECASE)
_CONTROLS = "_actlab_controls"  # session state: {key: label} of the controls drawn this run
_FIXES = "_actlab_link_fixes"  # session state: [LinkFix] made this run
_RELABELLED = "_actlab_link_relabelled"  # session state: {key: values} renamed this run
_SHOWN = "_actlab_shown_labels"  # session state: {key: labels of the value each control shows}


@dataclass(frozen=True)
class LinkSpec:
    """What a widget accepts from a link, read off its own arguments."""

    low: float | None = None  # numeric widgets: the range
    high: float | None = None
    integer: bool = False
    boolean: bool = False
    max_chars: int = MAX_LINK_TEXT
    max_values: int = MAX_LINK_VALUES


@dataclass(frozen=True)
class LinkFix:
    """A link value that was changed or refused before its widget saw it."""

    key: str
    label: str
    given: str  # the link's value(s), as sent
    outcome: tuple[Message, ...]  # what happened, in words (shown in the visitor's language)

    def outcome_text(self) -> str:
        """What happened, in the current language."""
        return "; ".join(message.localized() for message in self.outcome)


def link_spec(kind: str, arguments: dict[str, Any]) -> LinkSpec:
    """The ``LinkSpec`` of a ``kind`` widget (``"slider"``, ``"text_input"`` …) called with
    ``arguments`` (its bound parameters)."""
    if kind in ("slider", "number_input"):
        low, high = arguments.get("min_value"), arguments.get("max_value")
        value = arguments.get("value")
        values = value if isinstance(value, list | tuple) else [value]
        numbers = [v for v in (low, high, *values) if v is not None and v != "min"]
        integer = bool(numbers) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in numbers
        )
        count = len(values) if isinstance(value, list | tuple) else 1  # a range slider: 2
        if isinstance(low, int | float) and isinstance(high, int | float):
            return LinkSpec(low=low, high=high, integer=integer, max_values=count)
        return LinkSpec(integer=integer, max_values=count)
    if kind in ("toggle", "checkbox"):
        return LinkSpec(boolean=True, max_values=1)
    if kind == "text_input":
        return LinkSpec(max_chars=int(arguments.get("max_chars") or MAX_LINK_TEXT), max_values=1)
    options = arguments.get("options", arguments.get("tabs"))
    count = len(options) if isinstance(options, Sequence) else MAX_LINK_VALUES
    return LinkSpec(max_values=max(1, min(count, MAX_LINK_VALUES)))


def clean_link_values(values: list[str], spec: LinkSpec) -> tuple[list[str], tuple[Message, ...]]:
    """The values a widget may be seeded with, and what was changed (empty if nothing).

    Numbers are parsed strictly (no ``1_0``, no hex) and clamped to the range, ±∞ included;
    ``nan`` and non-numbers are refused. Texts over the length limit are refused rather than cut
    (half a formula is a different formula); repeats beyond the widget's use are dropped.
    """
    notes: list[Message] = []
    kept = values
    if len(kept) > spec.max_values:
        kept = kept[: spec.max_values]
        notes.append(
            counted(
                "only the first value used", "only the first {count} values used", spec.max_values
            )
        )
    too_long = [v for v in kept if len(v) > spec.max_chars]
    if too_long:
        kept = [v for v in kept if len(v) <= spec.max_chars]
        notes.append(
            Message(N_("longer than {count} characters, refused"), {"count": spec.max_chars})
        )
    if spec.boolean:
        usable = [v for v in kept if v.strip().lower() in ("true", "false")]
        if len(usable) != len(kept):
            notes.append(Message(N_("not true or false, refused")))
        kept = usable
    elif spec.low is not None and spec.high is not None:
        numbers = []
        for value in kept:
            number = _parse_number(value)
            if number is None:
                notes.append(Message(N_("not a number, refused")))
                continue
            clamped = min(max(number, spec.low), spec.high)
            if clamped != number:
                notes.append(
                    Message(
                        N_("outside {low} … {high}, set to {value}"),
                        {"low": f"{spec.low:g}", "high": f"{spec.high:g}", "value": f"{clamped:g}"},
                    )
                )
            if spec.integer:
                whole = round(clamped)
                if whole != clamped:
                    notes.append(
                        Message(N_("not a whole number, set to {value}"), {"value": whole})
                    )
                numbers.append(str(whole))
            else:
                numbers.append(value.strip() if clamped == number else repr(float(clamped)))
        kept = numbers
    return kept, tuple(notes)


def _parse_number(text: str) -> float | None:
    sign = _INFINITY.match(text)
    if sign:
        return -math.inf if sign.group(1) == "-" else math.inf
    if not _NUMBER.match(text):
        return None
    return float(text)  # a 309-digit number or 1e400 becomes ±inf, then clamped


@contextmanager
def _link_params():
    """Streamlit's query-parameter store: the URL as sent and the values widgets seed from.

    Private (``_initial_query_params`` seeds widgets; there is no public way to check a value
    before a bound widget reads it), so the Streamlit version is pinned and tests cover it.
    """
    from streamlit.runtime.state.session_state_proxy import get_session_state

    with get_session_state().query_params() as params:
        yield params


def _sanitize_link(key: str, label: str, spec: LinkSpec) -> None:
    with _link_params() as params:
        initial = params._initial_query_params.get(key)
        if initial is None:
            return
        values = list(initial)
        cleaned, note = clean_link_values(values, spec)
        if cleaned == values:
            return
        if cleaned:
            params._initial_query_params[key] = cleaned
            params._query_params[key] = cleaned if len(cleaned) > 1 else cleaned[0]
            params._send_query_param_msg()
        else:
            params._initial_query_params.pop(key, None)
            params.remove_param(key)
    if note:  # a number only rewritten (``1e2`` → ``100``) needs no notice
        st.session_state.setdefault(_FIXES, []).append(LinkFix(key, label, ", ".join(values), note))


def refuse_link_value(key: str, label: str, outcome: str) -> None:
    """Drop the link's ``key`` before its widget reads it, and name it in the notice.

    For values a widget would take without complaint but the page must not (an unknown
    language); ``outcome`` is a marked text (``N_``), translated when the notice is shown.
    """
    with _link_params() as params:
        values = list(params._initial_query_params.pop(key, None) or params.get_all(key))
        params.remove_param(key)
    st.session_state.pop(key, None)
    record = LinkFix(key, label, ", ".join(values), (Message(outcome),))
    st.session_state.setdefault(_FIXES, []).append(record)


def labels_in_every_language(options: Sequence[Any], format_func: Callable[[Any], Any]) -> dict:
    """``{label in any language: label in the current one}`` of each option (empty when the
    page's ``format_func`` refuses an option: then the widget itself says so, as before)."""
    try:
        current = {option: str(format_func(option)) for option in options}
        labels = {}
        for language in LANGUAGES:
            with using(language):
                labels |= {str(format_func(option)): current[option] for option in options}
    except Exception:
        return {}
    return labels


def relabel_link_value(key: str, relabel: dict[str, str]) -> None:
    """Rename the link's value of ``key`` through ``relabel`` before its widget reads it (a tab
    named in another language: a tab's value is its label)."""
    with _link_params() as params:
        initial = params._initial_query_params.get(key)
        if not initial or not all(value in relabel for value in initial):
            return
        renamed = [relabel[value] for value in initial]
        if renamed == list(initial):
            return
        params._initial_query_params[key] = renamed
        params._query_params[key] = renamed if len(renamed) > 1 else renamed[0]
        params._send_query_param_msg()
    st.session_state.setdefault(_RELABELLED, {})[key] = renamed


def relabelled() -> dict[str, list[str]]:
    """``{key: values}`` of the link values renamed this run (the same option, in this
    language): the notice about unusable link values compares against these."""
    return dict(st.session_state.get(_RELABELLED, {}))


def bound(
    widget: Callable[..., Any], *args: Any, key: str, control_label: str | None = None, **kwargs
) -> Any:
    """``widget(*args, key=key, bind="query-params", **kwargs)`` after checking the link's value.

    ``control_label`` names the control where its first argument is not a label (``st.tabs``).
    """
    kind = widget.__name__
    arguments = inspect.signature(widget).bind_partial(*args, key=key, **kwargs).arguments
    label = control_label or str(arguments.get("label", key))
    if arguments.get("format_func") and isinstance(arguments.get("options"), Sequence):
        # Streamlit writes an option's label, not its value, into the URL: a link made in
        # another language names the option by that language's label.
        relabel_link_value(
            key, labels_in_every_language(arguments["options"], kwargs["format_func"])
        )
    _sanitize_link(key, label, link_spec(kind, arguments))
    st.session_state.setdefault(_CONTROLS, {})[key] = label
    value = widget(*args, key=key, bind="query-params", **kwargs)
    if isinstance(arguments.get("options"), Sequence):
        chosen = value if isinstance(value, list | tuple) else [value]
        st.session_state.setdefault(_SHOWN, {})[key] = _labels(chosen, kwargs.get("format_func"))
    return value


def _labels(values: Sequence[Any], format_func: Callable[[Any], Any] | None) -> list[str]:
    """How a widget names ``values`` (what Streamlit writes into the URL for them)."""
    try:
        return [str(format_func(v) if format_func else v) for v in values]
    except Exception:  # a page's format_func refusing a value: nothing to compare against
        return []


def shown_labels() -> dict[str, list[str]]:
    """``{key: labels}`` of the value each control of this run shows: a link naming the default
    by its label is taken (Streamlit drops a default from the URL), not refused."""
    return dict(st.session_state.get(_SHOWN, {}))


def start_run() -> None:
    """Forget the previous run's controls and fixes (the router calls this first)."""
    st.session_state[_CONTROLS] = {}
    st.session_state[_FIXES] = []
    st.session_state[_RELABELLED] = {}
    st.session_state[_SHOWN] = {}


def controls(prefix: str = "") -> dict[str, str]:
    """``{key: label}`` of this run's bound controls whose key starts with ``prefix``."""
    return {
        key: label
        for key, label in st.session_state.get(_CONTROLS, {}).items()
        if key.startswith(prefix) and KEY_PATTERN.match(key)
    }


def link_fixes() -> list[LinkFix]:
    """The link values changed or refused so far in this run."""
    return list(st.session_state.get(_FIXES, []))
