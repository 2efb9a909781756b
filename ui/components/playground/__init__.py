"""The playground's client side: network diagram, output heatmap, loss curve and buttons.

Drawn in the browser from one compact frame (``actlab.playground_frame`` payload plus a ``ui``
dict of display settings), so a live update costs the server a forward pass and ~30 kB of JSON
instead of a Vega-Lite redraw. The visitor's clicks come back as one trigger value, ``action``:
``{"kind": ..., "nonce": n, ...}`` (kinds in ``ACTIONS``); while playing, a second trigger,
``tick``, asks for the next frame once the client has drawn one (it only reruns the live
panel). JS and CSS are package files read once and registered inline: no build step, no
network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

HERE = Path(__file__).parent
NAME = "actlab_playground"
ACTIONS = (
    "play",
    "pause",
    "step",
    "reset",
    "rewind",
    "add_layer",
    "remove_layer",
    "add_neuron",
    "remove_neuron",
    "show_test",
    "dataset",
    "feature",
    "discretize",
    "add_point",
    "remove_point",
    "clear_points",
)

_component = st.components.v2.component(
    NAME,
    html="",
    css=(HERE / "playground.css").read_text(encoding="utf-8"),
    js=(HERE / "playground.js").read_text(encoding="utf-8"),
)


def playground_panel(frame: dict[str, Any], *, key: str, on_action: Callable[[], None]) -> Any:
    """Mount the component with ``frame``; ``on_action`` runs (as a widget callback) when the
    visitor presses one of its buttons, with the action in ``st.session_state[key].action``."""
    return _component(key=key, data=frame, on_action_change=on_action, on_tick_change=_next_frame)


def _next_frame() -> None:
    """A tick needs no callback work: the rerun of the live panel it causes trains and draws."""


def last_action(key: str) -> dict[str, Any] | None:
    """The action the visitor just sent from the component ``key``, checked: a dict whose
    ``kind`` is one of ``ACTIONS`` (anything else from the browser is ignored)."""
    state = st.session_state.get(key)
    action = state.get("action") if hasattr(state, "get") else None
    if not isinstance(action, dict) or action.get("kind") not in ACTIONS:
        return None
    return action
