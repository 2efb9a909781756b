"""AppTest of the gradients lesson page: norms, statistics, and both trainings from the page."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import pytest
from apptest_helpers import app_path, chart_frames, chart_specs, rerun, run_page
from streamlit.testing.v1 import AppTest

from actlab import activations, budget, gated, short_training
from actlab import gradients as gr
from actlab.charts import palette

PAGE = app_path("app_pages/gradients.py")


pytestmark = pytest.mark.usefixtures("one_thread")


def open_page(**query: str) -> AppTest:
    return run_page(PAGE, query=query, errors_allowed=False)


def norm_rows(at: AppTest):
    frames = chart_frames(at)[0]
    return next(f for f in frames if "activation" in f.columns)


@pytest.mark.slow  # ~4 s: three probes at 20 × 128 and the page
def test_default_view_plots_the_measured_norms_and_the_sigmoid_reference():
    at = open_page()
    shown = norm_rows(at)
    for name, display in [("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "ReLU")]:
        expected = gr.gradient_norms(name, 20, 128, "pytorch_default", 0)
        rows = shown[shown["activation"] == display].sort_values("layer")
        assert rows["layer"].tolist() == list(range(1, 21))
        assert rows["norm"].tolist() == pytest.approx(expected["norm"].tolist(), rel=1e-12)
    reference = next(f for f in chart_frames(at)[0] if "bound" in f.columns)
    sigmoid = gr.gradient_norms("sigmoid", 20, 128, "pytorch_default", 0)
    assert reference["bound"].tolist() == pytest.approx(
        (sigmoid["norm"].iloc[-1] * 0.25 ** (20 - np.arange(1, 21))).tolist(), rel=1e-12
    )
    spec = chart_specs(at)[0]
    assert spec["layer"][0]["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    table = at.dataframe[0].value.set_index("activation")
    assert table.loc["Sigmoid", "first / last"] < 1e-10
    assert len(at.latex) >= 2
    # Layer statistics (3 charts) and the histogram of layer 3 follow the norm chart.
    stats = chart_frames(at)[1][0]
    assert set(stats["activation"]) == {"Sigmoid", "Tanh", "ReLU"}
    relu_zero_share = gr.probe("relu", 20, 128).stats["zero"]
    assert 0.3 < relu_zero_share.iloc[0] < 0.7
    histogram = chart_frames(at)[4][0]
    assert set(histogram["layer"]) == {3} and set(histogram["quantity"]) == {"activation"}


def test_controls_change_the_network_and_the_measure():
    at = open_page()
    at.slider(key="gr_depth").set_value(6)
    at.multiselect(key="gr_act").set_value(["identity"])
    at.selectbox(key="gr_init").set_value("orthogonal")
    rerun(at)
    rows = norm_rows(at)
    assert rows["layer"].tolist() == [1, 2, 3, 4, 5, 6]
    hidden = rows["norm"].to_numpy()[1:-1]
    assert np.ptp(hidden) / hidden.mean() < 1e-10  # orthogonal identity net: flat
    assert "Add Sigmoid" in " ".join(c.value for c in at.caption)
    at.radio(key="gr_measure").set_value("signal_norm")
    rerun(at)
    assert chart_specs(at)[0]["layer"][0]["encoding"]["y"]["field"] == "signal_norm"


def test_std_is_used_only_by_the_normal_init():
    at = open_page()
    assert at.select_slider(key="gr_std").disabled
    at.selectbox(key="gr_init").set_value("normal")
    at.multiselect(key="gr_act").set_value(["relu"])
    rerun(at)
    assert not at.select_slider(key="gr_std").disabled
    at.select_slider(key="gr_std").set_value(0.3)
    rerun(at)
    expected = gr.gradient_norms("relu", 20, 128, "normal", 0, std=0.3)
    assert norm_rows(at)["norm"].tolist() == pytest.approx(expected["norm"].tolist(), rel=1e-12)


def test_histogram_layer_follows_a_shrinking_depth():
    at = open_page(gr_hl="19", gr_hq="log10 |weight gradient|")
    assert at.slider(key="gr_hl").value == 19
    at.slider(key="gr_depth").set_value(4)
    rerun(at)
    assert at.slider(key="gr_hl").value == 4
    at.radio(key="gr_hq").set_value("activation")
    rerun(at)
    assert at.slider(key="gr_hl").value == 3


def test_no_activation_chosen_asks_for_one():
    at = open_page()
    at.multiselect(key="gr_act").set_value([])
    rerun(at)
    assert any("at least one activation" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_unusable_link_values_fall_back_without_a_traceback():
    at = open_page(gr_depth="abc", gr_init="he", gr_tab="Nope", gr_width="7")
    assert at.slider(key="gr_depth").value == 20
    assert at.selectbox(key="gr_init").value == "pytorch_default"


def test_an_out_of_range_depth_in_a_link_is_clamped_to_the_deepest_allowed():
    at = open_page(gr_depth="999", gr_width="8")
    assert at.slider(key="gr_depth").value == 50


@pytest.mark.slow  # ~6 s: two 300-step trainings from the page
def test_sigmoid_does_not_learn_and_relu_with_he_init_does():
    at = open_page(gr_tab="Does it learn?")
    assert any("Press **Train**" in i.value for i in at.info)
    at.button(key="gr_lgo").click()
    rerun(at)
    curves = chart_frames(at)[1][0]
    final = curves.sort_values("step").groupby("run")["accuracy"].last()
    assert final["Sigmoid, PyTorch default (nn.Linear)"] < 0.2
    assert final["ReLU, Kaiming/He normal"] > 0.7
    # The finished run stays on the page across reruns.
    rerun(at)
    assert any(c.value.startswith("Trained in") for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 2


@pytest.mark.slow  # ~7 s: two 300-step trainings from the page
def test_large_learning_rate_kills_relu_units_and_a_lower_one_cures_it():
    # Bound widgets keep their shown labels in the URL, as a shared link would.
    at = open_page(gr_tab="Dead ReLU", gr_cures=short_training.CURES["lower_lr"])
    assert at.session_state["gr_cures"] == ["lower_lr"]
    at.button(key="gr_dgo").click()
    rerun(at)
    table = at.dataframe[0].value
    as_set = table[table["run"] == "as set"].set_index("layer")["dead share"]
    cured = table[table["run"] == "with cures"].set_index("layer")["dead share"]
    assert as_set[1] > 0.6 and as_set.mean() > 0.5
    assert cured.mean() < as_set.mean() / 2
    assert len(at.get("vega_lite_chart")) == 4  # dead units per run, loss, accuracy


def test_divergence_stops_with_a_message():
    at = open_page(gr_tab="Dead ReLU", gr_dopt="SGD", gr_dlr="3.0")
    assert (at.session_state["gr_dopt"], at.session_state["gr_dlr"]) == ("sgd", 3.0)
    at.button(key="gr_dgo").click()
    rerun(at)
    assert any("diverged at step" in w.value for w in at.warning)


def test_a_view_over_the_cost_cap_shows_a_message_naming_it_and_probes_nothing():
    # The link: every activation at depth 50 × width 512 (~90 CPU-seconds of probes).
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["gr_act"] = [activations.display_name(n) for n in activations.names()]
    at.query_params["gr_depth"] = "50"
    at.query_params["gr_width"] = "512"
    at.run()  # refused, not computed: no probe runs (bench/bench_hostile.py times it)
    assert not at.exception, [e.value for e in at.exception]
    message = " ".join(e.value for e in at.error)
    assert f"cap of {budget.PROBE_SECONDS_PER_REQUEST:g} CPU" in message.replace("\\", "")
    assert not at.get("vega_lite_chart")


# --- gated units beside the plain activations ---------------------------------------------------


def line_encoding(spec: dict) -> dict:
    """The encoding of the first layer that colours its lines (layers nest)."""
    if "color" in spec.get("encoding", {}):
        return spec["encoding"]
    return next(
        line_encoding(layer) for layer in spec["layer"] if "layer" in layer or "encoding" in layer
    )


def test_a_gated_unit_is_measured_beside_the_plain_ones_at_matched_parameters():
    at = open_page(gr_act=["ReLU", "SwiGLU"], gr_depth="6", gr_width="128")
    assert at.multiselect(key="gr_act").value == ["relu", "swiglu"]
    shown = norm_rows(at)
    for name in ("relu", "swiglu"):
        expected = gr.gradient_norms(name, 6, 128)
        rows = shown[shown["activation"] == gr.display_name(name)].sort_values("layer")
        assert rows["norm"].tolist() == pytest.approx(expected["norm"].tolist(), rel=1e-12)
    units = gr.hidden_width("swiglu", 6, 128)
    assert units < 128
    table = at.dataframe[0].value.set_index("activation")
    assert table.loc["SwiGLU", "hidden units"] == units
    assert table.loc["SwiGLU", "parameters"] == gr.parameter_count("swiglu", 6, 128)
    assert abs(table.loc["SwiGLU", "vs plain"]) < 0.01 and table.loc["ReLU", "vs plain"] == 0
    assert not at.dataframe[0].proto.column_order  # no order given: every column on screen
    # Without a gated unit the size columns stay in the data (CSV) but off the screen.
    plain = open_page(gr_act=["ReLU"], gr_depth="3", gr_width="8")
    assert "parameters" in plain.dataframe[0].value.columns
    assert list(plain.dataframe[0].proto.column_order) == [
        "activation",
        "first layer",
        "last layer",
        "loss",
        "first / last",
    ]
    captions = " ".join(c.value for c in at.caption)
    assert f"SwiGLU {units} units" in captions and "‖∂L/∂[W; V]‖" in captions
    # SwiGLU's own colour and dash from the palette, not SiLU's solid line of the same hue.
    encoding = line_encoding(chart_specs(at)[0])
    colour, dash = encoding["color"]["scale"], encoding["strokeDash"]["scale"]
    style = palette.activation_style("swiglu")
    assert colour["range"][colour["domain"].index("SwiGLU")] == style.colour
    assert dash["range"][dash["domain"].index("SwiGLU")] == list(style.dash)
    assert (style.colour, style.dash) != astuple(palette.activation_style("silu"))[:2]
    stats = chart_frames(at)[1][0]
    assert set(stats["activation"]) == {"ReLU", "SwiGLU"}


def test_an_overflowing_gated_stack_is_named_and_the_others_are_still_shown():
    at = open_page(
        gr_act=["ReLU", "SwiGLU"], gr_depth="20", gr_width="64", gr_init=gr.INIT_LABELS["kaiming"]
    )
    warning = " ".join(w.value for w in at.warning)
    assert "SwiGLU makes the loss nan at depth 20" in warning and "squares" in warning
    assert set(norm_rows(at)["activation"]) == {"ReLU"}
    at.multiselect(key="gr_act").set_value(["swiglu"])
    at.run()  # nothing left to show: the reason as the view's message
    assert not at.exception
    assert "SwiGLU makes the loss nan" in " ".join(e.value for e in at.error)
    assert not at.get("vega_lite_chart")


def test_a_narrow_net_says_its_gated_units_cannot_match_within_one_percent():
    at = open_page(gr_act=["ReGLU"], gr_depth="20", gr_width="8")
    assert any("within 1 %" in w.value and "ReGLU" in w.value for w in at.warning)
    assert at.dataframe[0].value.set_index("activation").loc["ReGLU", "vs plain"] < -0.01
    at = open_page(gr_act=["ReGLU"], gr_depth="20", gr_width="128")
    assert not at.warning


def test_gated_units_count_against_the_cost_cap():
    # Each gated probe is costed like the plain one it matches (two matrices at its narrower
    # width): six probes at 50 × 512 are about 22 estimated CPU-seconds, over the cap of 12.
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["gr_act"] = ["ReLU", "GELU", *(u.display_name for u in gated.UNITS)]
    at.query_params["gr_depth"] = "50"
    at.query_params["gr_width"] = "512"
    at.run()
    assert not at.exception
    message = " ".join(e.value for e in at.error).replace("\\", "")
    assert "6 activations × depth 50 × width 512" in message
    assert f"cap of {budget.PROBE_SECONDS_PER_REQUEST:g} CPU" in message
    assert not at.get("vega_lite_chart")


@pytest.mark.slow  # ~8 s: three 300-step trainings from the page
def test_a_deep_plain_gated_stack_does_not_learn_where_relu_with_he_init_does():
    at = open_page(
        gr_tab="Does it learn?",
        gr_pairs=[short_training.pair_label(p) for p in ("relu:kaiming", "swiglu:pytorch_default")],
    )
    at.button(key="gr_lgo").click()
    rerun(at)
    curves = chart_frames(at)[1][0]
    final = curves.sort_values("step").groupby("run")["accuracy"].last()
    assert final["ReLU, Kaiming/He normal"] > 0.7
    assert final["SwiGLU, PyTorch default (nn.Linear)"] < 0.2  # depth 10: it vanishes
    at.slider(key="gr_ldepth").set_value(2)
    at.button(key="gr_lgo").click()
    rerun(at)
    final = chart_frames(at)[1][0].sort_values("step").groupby("run")["accuracy"].last()
    assert final["SwiGLU, PyTorch default (nn.Linear)"] > 0.7  # one gated layer learns
