"""AppTest of the softmax lesson page: every tab renders, and widgets drive the numbers shown."""

from __future__ import annotations

import json
import math
from pathlib import Path

import apptest_helpers
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from actlab import softmax as sm

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "softmax.py")
DEFAULT_LOGITS = list(sm.DEFAULT_LOGITS[:4])


def run_page(**query: str) -> AppTest:
    return apptest_helpers.run_page(PAGE, timeout=60, query=query, errors_allowed=False)


def charts(app: AppTest) -> list:
    return list(app.get("vega_lite_chart"))


def chart_data(chart):
    """The (single) dataset of a rendered Altair chart as a DataFrame."""
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()


def chart_spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def tooltip_fields(spec: dict) -> set[str]:
    layers = spec.get("layer", [spec])
    return {t["field"] for layer in layers for t in layer.get("encoding", {}).get("tooltip", [])}


def test_playground_renders_probabilities_and_both_jacobians():
    app = run_page()
    bars, _sweep, by_autograd, closed_form = charts(app)
    shown = chart_data(bars)
    expected = sm.probability_table(DEFAULT_LOGITS, 1.0)
    assert shown["probability"].tolist() == pytest.approx(expected["probability"].tolist())
    assert app.dataframe[0].value["probability"].tolist() == pytest.approx(
        expected["probability"].tolist()
    )
    # Heatmaps: one cell per Jacobian entry, with tooltips naming both values.
    for heatmap, field in [(by_autograd, "autograd"), (closed_form, "closed form")]:
        spec = chart_spec(heatmap)
        assert spec["layer"][0]["mark"]["type"] == "rect"
        assert spec["layer"][0]["encoding"]["color"]["field"] == field
        assert {"i", "j", "autograd", "closed form"} <= tooltip_fields(spec)
        assert len(chart_data(heatmap)) == 16
    difference = next(m for m in app.metric if m.label == "max |autograd − closed form|")
    assert float(difference.value) <= 1e-12
    assert len(app.get("download_button")) == 2


def test_temperature_changes_the_probabilities_shown():
    app = run_page()
    before = chart_data(charts(app)[0])["probability"].tolist()
    app.slider(key="sm_t").set_value(3.0).run()
    assert not app.exception
    after = chart_data(charts(app)[0])["probability"].tolist()
    assert after != pytest.approx(before)
    assert after == pytest.approx(sm.softmax(DEFAULT_LOGITS, 3.0).tolist())
    assert app.dataframe[0].value["logit / T"].tolist() == pytest.approx(
        [z / 3.0 for z in DEFAULT_LOGITS]
    )
    # Hotter is flatter: more entropy.
    entropy = next(m for m in app.metric if m.label == "entropy (nats)")
    assert float(entropy.value) == pytest.approx(sm.entropy_nats(DEFAULT_LOGITS, 3.0), abs=1e-4)


def test_number_of_logits_and_a_logit_slider_drive_the_playground():
    app = run_page()
    app.slider(key="sm_k").set_value(6).run()
    logit_keys = sorted(s.key for s in app.slider if s.key.startswith("sm_z"))
    assert logit_keys == [f"sm_z{i}" for i in range(6)]
    assert len(chart_data(charts(app)[0])) == 6
    app.slider(key="sm_z5").set_value(8.0).run()
    probabilities = chart_data(charts(app)[0])["probability"].tolist()
    logits = [*sm.DEFAULT_LOGITS[:5], 8.0]
    assert probabilities == pytest.approx(sm.softmax(logits).tolist())
    assert probabilities[5] > 0.99
    assert len(chart_data(charts(app)[2])) == 36


def test_state_is_restored_from_the_url():
    app = run_page(sm_k="3", sm_t="0.5", sm_z0="-2.0")
    logits = [-2.0, *sm.DEFAULT_LOGITS[1:3]]
    shown = chart_data(charts(app)[0])["probability"].tolist()
    assert shown == pytest.approx(sm.softmax(logits, 0.5).tolist())


def test_numerics_lab_shows_where_naive_breaks():
    app = run_page(sm_tab="Numerics lab")
    comparison = app.dataframe[0].value.set_index(["dtype", "method"])
    assert comparison.loc[("float32", "naive"), "status"] == "-inf"
    # Tables are written out as text so that inf and NaN read as such.
    assert comparison.loc[("float32", "naive"), ["log p0", "log p1", "log p2"]].tolist() == [
        "-inf",
        "-inf",
        "-inf",
    ]
    assert comparison.loc[("float32", "torch.log_softmax"), "log p2"] == "-105"
    first = app.dataframe[1].value.set_index(["dtype", "method"])
    scale = float(first.loc[("float32", "naive"), "first non-finite scale"])
    assert sm.exp_overflow_threshold("float32") < scale < 88.7229
    assert first.loc[("float32", "max-subtracted"), "first non-finite scale"] == "—"
    limits = app.dataframe[2].value.set_index("dtype")
    assert float(limits.loc["float16", "largest x with finite exp(x)"]) == 11.0859375
    cross_entropy = app.dataframe[3].value.set_index(["dtype", "method"])
    naive = cross_entropy.xs("naive: -naive_log_softmax(z)[target]", level="method")
    assert naive.loc[["float32", "float16", "bfloat16"], "loss"].tolist() == ["inf"] * 3
    assert naive.loc["float32", "dL/dz0"] == "NaN"
    fused = cross_entropy.xs("F.cross_entropy(z, target)", level="method")
    assert [float(v) for v in fused["loss"]] == pytest.approx([105.0] * 4, rel=1e-3)
    status = chart_spec(charts(app)[0])
    assert {"status", "scale from", "scale to"} <= tooltip_fields(status)

    # Below float32's threshold the naive formula works again, float16 still overflows.
    app.slider(key="sm_scale").set_value(50.0).run()
    assert not app.exception
    comparison = app.dataframe[0].value.set_index(["dtype", "method"])
    assert comparison.loc[("float32", "naive"), "status"] == "finite"
    assert float(comparison.loc[("float32", "naive"), "log p2"]) == pytest.approx(-52.5, abs=1e-5)
    assert comparison.loc[("float16", "naive"), "status"] == "-inf"


def test_numerics_lab_target_and_shift():
    app = run_page(sm_tab="Numerics lab")
    app.selectbox(key="sm_target").set_value(0).run()
    cross_entropy = app.dataframe[3].value.set_index(["dtype", "method"])
    loss = float(cross_entropy.loc[("float32", "F.cross_entropy(z, target)"), "loss"])
    assert loss == pytest.approx(0.0, abs=1e-6)
    app.slider(key="sm_shift").set_value(-300.0).run()
    first = app.dataframe[1].value.set_index(["dtype", "method"])
    assert first.loc[("float32", "naive"), "what breaks"] == "output +inf, gradient NaN"


def test_losses_tab_follows_the_number_of_classes():
    app = run_page(sm_tab="Losses and gradients")
    binary, multiclass = charts(app)
    assert set(chart_data(binary)["pair"]) == {"sigmoid + MSE", "sigmoid + BCE"}
    before = chart_data(multiclass)
    app.slider(key="sm_lk").set_value(2).run()
    after = chart_data(charts(app)[1])
    ce = after[after["pair"] == "softmax + CE"]
    # With two classes, other logit 0: p = sigmoid(z), gradient p - 1.
    expected = sm.multiclass_loss_gradients(2)
    expected_ce = expected[expected["pair"] == "softmax + CE"]["gradient"].tolist()
    assert ce["gradient"].tolist() == pytest.approx(expected_ce)
    assert after["gradient"].tolist() != pytest.approx(before["gradient"].tolist())
    summary = app.dataframe[0].value.set_index("pair")
    assert float(summary.loc["softmax + CE", "gradient there"]) < -0.999


def test_nll_tab_renders_and_links_to_mnist():
    app = run_page(sm_tab="nll_loss needs log-probabilities")
    loss_chart, _gradient_chart = charts(app)
    assert set(chart_data(loss_chart)["output"]) == set(sm.NLL_OUTPUTS)
    # Run alone the MNIST page is not registered: the page falls back to a plain link.
    assert any("(/mnist)" in m.value for m in app.markdown)
    summary = app.dataframe[0].value.set_index("output fed to nll_loss")
    assert float(summary.loc["tanh", "gradient on a competitor there"]) == 0.0
    app.slider(key="sm_nk").set_value(3).run()
    summary = app.dataframe[0].value.set_index("output fed to nll_loss")
    competitor = float(summary.loc["log_softmax (correct)", "gradient on a competitor there"])
    assert competitor == pytest.approx(1 / (math.exp(-10) + 2), rel=1e-5)


@pytest.mark.parametrize("query", [{"sm_tab": "Nope"}, {"sm_z0": "nan"}, {"sm_t": "abc"}])
def test_bad_url_values_fall_back_to_defaults(query):
    app = run_page(**query)
    assert app.slider(key="sm_t").value == 1.0
    assert len(chart_data(charts(app)[0])) == 4


@pytest.mark.parametrize(
    ("query", "key", "expected"),
    [({"sm_t": "-1"}, "sm_t", 0.05), ({"sm_k": "50"}, "sm_k", 10), ({"sm_t": "inf"}, "sm_t", 10.0)],
)
def test_out_of_range_url_numbers_are_clamped_to_the_nearest_allowed_value(query, key, expected):
    app = run_page(**query)
    assert app.slider(key=key).value == expected
    assert len(chart_data(charts(app)[0])) == (10 if key == "sm_k" else 4)
