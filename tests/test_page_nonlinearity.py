"""AppTest for app_pages/nonlinearity.py: the numbers shown match actlab, widgets change them."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import chart_rows, chart_specs, run_page

from actlab import stacking

PAGE = "app_pages/nonlinearity.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def formulas(at) -> list[str]:
    """The page's LaTeX without Streamlit's $$ fences."""
    return [element.value.strip("$\n") for element in at.latex]


def test_default_view_teaches_the_collapse_with_numbers():
    at = run_page(PAGE)
    assert any(text.endswith(r"= 2\,(3x + 1) + 2 = 6x + 4") for text in formulas(at))
    classic = chart_rows(at, 0, "curve")
    single = classic[classic["curve"] == "one layer: w=6, b=4"]
    np.testing.assert_allclose(single["y"], 6 * single["x"] + 4, atol=1e-12)
    relu = classic[classic["curve"] == "two layers, ReLU between"]
    np.testing.assert_allclose(relu["y"], 2 * np.maximum(3 * relu["x"] + 1, 0) + 2, atol=1e-12)
    assert any("at x = −b₁/w₁ = -0.3333" in caption.value for caption in at.caption)

    report = stacking.collapse_report((4, 16, 8, 16, 3), 0)
    assert float(metric(at, "max |net(x) − (W_eff x + b_eff)|")) == pytest.approx(
        report.max_abs_error, rel=0.01
    )
    assert float(metric(at, "max |net(x) − (W_eff x + b_eff)|")) < 1e-5
    assert metric(at, "rank(W_eff)") == "3" == metric(at, "narrowest layer")

    fit = at.dataframe[1].value.set_index("activation")
    assert fit.loc["none (linear)", "relative residual"] < 1e-12
    assert fit.loc["ReLU", "relative residual"] > 0.3

    relu_net = stacking.random_relu_net(3, 8, 0)
    exact = stacking.exact_pieces(stacking.weight_bias_pairs(relu_net), -3.0, 3.0)
    assert metric(at, "ReLU network: linear pieces") == str(exact.pieces)
    assert metric(at, "same weights, no activation") == "1 piece"

    specs = chart_specs(at)
    assert len(specs) == 5
    assert all("tooltip" in str(spec) for spec in specs)
    depth_table = chart_rows(at, 3, "pieces")
    saw = depth_table[depth_table["network"] == "hand-built sawtooth, width 2"]
    assert saw.set_index("depth")["pieces"].to_dict() == {d: 2.0**d for d in range(1, 7)}
    comparison = chart_rows(at, 4, "activation")
    assert set(comparison["activation"]) == {
        "no activation",
        "ReLU",
        "Sigmoid",
        "Tanh",
        "LeakyReLU",
    }
    assert len(at.get("download_button")) == 5 * 3


@pytest.mark.slow
def test_editing_weights_and_widths_changes_what_is_shown():
    at = run_page(PAGE)
    at.number_input(key="nl_w1").set_value(-1.0).run()
    at.number_input(key="nl_b2").set_value(-3.0).run()
    assert not at.exception
    assert any(t.endswith("= 2\\,(-1x + 1) - 3 = -2x - 1") for t in formulas(at))
    at.text_input(key="nl_widths").set_value("6, 32, 1, 32, 6").run()
    assert metric(at, "rank(W_eff)") == "1"
    at.slider(key="nl_pd").set_value(1).run()
    at.slider(key="nl_pw").set_value(4).run()
    relu_net = stacking.random_relu_net(1, 4, 0)
    exact = stacking.exact_pieces(stacking.weight_bias_pairs(relu_net), -3.0, 3.0)
    assert metric(at, "ReLU network: linear pieces") == str(exact.pieces)
    breakpoints = chart_rows(at, 2, "x")
    assert len(at.get("vega_lite_chart")) == 5
    assert exact.pieces <= 5 and len(breakpoints) > 0


def test_bad_widths_show_a_message_and_the_rest_still_renders():
    at = run_page(PAGE)
    at.text_input(key="nl_widths").set_value("4, lots, 2").run()
    assert not at.exception
    assert "whole numbers" in at.error[0].value
    assert any(m.label == "ReLU network: linear pieces" for m in at.metric)


def test_a_shared_link_sets_the_view():
    at = run_page(PAGE, query={"nl_w1": "5", "nl_mid": "Tanh"})
    assert at.number_input(key="nl_w1").value == 5.0
    assert any(t.endswith("= 10x + 4") for t in formulas(at))
    assert "two layers, Tanh between" in set(chart_rows(at, 0, "curve")["curve"])
