"""The shared page frame: link building, unusable link values, presenter mode."""

from __future__ import annotations

from apptest_helpers import ROOT, shown
from streamlit.testing.v1 import AppTest

from ui.frame import share_link

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui import bound as b
from ui.frame import (
    notice_unusable_link_values, presenter_controls, presenter_toggle, url_state
)
before = url_state()
b.start_run()
panel, presenting = presenter_toggle(st.sidebar.container())
b.bound(st.select_slider, "n", options=[101, 201], value=101, key="ex_n")
b.bound(st.multiselect, "f", ["relu", "elu"], default=["relu"], key="ex_fns",
        format_func=str.upper)
b.bound(st.number_input, "Digit", 0, 9999, 0, key="ex_digit")
refused = presenter_controls(panel, presenting, "ex_")
notice_unusable_link_values(before, "ex_", refused)
"""


def toast_text(at: AppTest) -> str:
    """The notice as a reader sees it (the Markdown escapes removed)."""
    return shown(at.toast[0].proto.body)


def test_share_link_keeps_repeated_keys():
    state = {"ex_fns": ["ReLU", "GELU (tanh)"], "ex_n": ["801"]}
    link = share_link("http://host/explorer", state)
    assert link == "http://host/explorer?ex_fns=ReLU&ex_fns=GELU+%28tanh%29&ex_n=801"
    assert share_link("http://host/", {}) == "http://host/"


def test_unusable_link_values_are_named_in_a_notice():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["ex_n"] = "abc"
    at.query_params["ex_fns"] = ["ELU", "nope"]
    at.run()
    assert not at.exception
    assert at.select_slider(key="ex_n").value == 101
    assert at.multiselect(key="ex_fns").value == ["elu"]
    message = toast_text(at)
    # Named by the labels on screen, not the internal keys.
    assert "n: “abc”" in message and "f: “nope”" in message and "ELU" not in message
    assert "ex_n" not in message


def test_a_refused_choice_inside_a_kept_one_is_still_named():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["ex_fns"] = ["ELU", "LU"]  # "lu" is part of "elu": not a choice all the same
    at.run()
    assert at.multiselect(key="ex_fns").value == ["elu"]
    assert "f: “LU”" in toast_text(at)


def test_valid_links_give_no_notice():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["ex_n"] = "101"  # equal to the default: Streamlit drops it silently
    at.query_params["ex_fns"] = "ELU"
    at.run()
    assert not at.exception and len(at.toast) == 0
    assert at.multiselect(key="ex_fns").value == ["elu"]


def test_presenter_mode_hides_the_listed_controls_with_css():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["present"] = "true"
    at.query_params["hide"] = ["ex_n"]
    at.run()
    styles = " ".join(element.proto.body for element in at.get("html"))
    assert ".st-key-ex_n { display: none !important; }" in styles
    assert "font-size: 21px" in styles
    at.toggle(key="present").set_value(False).run()
    assert not at.get("html")


def test_out_of_range_and_infinite_numbers_are_clamped_with_a_notice():
    cases = [("inf", 9999), ("-inf", 0), ("1" * 150, 9999), ("1e400", 9999), ("1" * 309, 0)]
    for given, expected in cases:  # 309 digits is over the length limit: refused, default
        at = AppTest.from_string(SCRIPT, default_timeout=30)
        at.query_params["ex_digit"] = given
        at.run()
        assert not at.exception, given
        assert at.number_input(key="ex_digit").value == expected
        assert "Digit:" in toast_text(at)
        assert "set to" in toast_text(at) or "refused" in toast_text(at)


def test_a_key_no_control_reads_is_named_in_the_notice():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["ex_range"] = "abc"
    at.run()
    assert "“ex_range” is not a setting of this view" in toast_text(at)


def test_hide_offers_the_controls_by_label_on_the_first_run():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.run()
    (hide,) = [m for m in at.multiselect if m.label == "Hide these controls while presenting"]
    assert hide.options == ["n", "f", "Digit"]


def test_hide_accepts_only_this_pages_control_keys():
    payloads = [
        "</style><form action=https://evil.example><input name=pw type=password>",
        "x{} [data-testid=stMain]{display:none} .y",
        "ex_n{background:url(https://evil.example/x.png)}",
        "ex_nope",
    ]
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.query_params["present"] = "true"
    at.query_params["hide"] = ["ex_digit", *payloads]
    at.run()
    styles = " ".join(element.proto.body for element in at.get("html"))
    assert ".st-key-ex_digit { display: none !important; }" in styles
    for bad in ("form", "input", "=stMain]", "url(", "ex_nope", "ex_n{"):
        assert bad not in styles
    assert at.query_params["hide"] in ("ex_digit", ["ex_digit"])
    assert "is not a control of this view" in toast_text(at)
