"""The shared page frame: link building, unusable link values, presenter mode."""

from __future__ import annotations

from apptest_helpers import ROOT
from streamlit.testing.v1 import AppTest

from ui.frame import share_link

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui.frame import notice_dropped_url_values, presenter_sidebar, url_state
before = url_state()
presenter_sidebar("ex_")
st.select_slider("n", options=[101, 201], value=101, key="ex_n", bind="query-params")
st.multiselect("f", ["relu", "elu"], default=["relu"], key="ex_fns", bind="query-params",
               format_func=str.upper)
notice_dropped_url_values(before, "ex_")
"""


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
    message = at.toast[0].proto.body
    assert "ex_n=abc" in message and "ex_fns=nope" in message and "ELU" not in message


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
