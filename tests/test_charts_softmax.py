"""actlab.charts.softmax: every chart of the softmax lesson, with tooltips and its encodings."""

from __future__ import annotations

import math

import pytest

from actlab import softmax as sm
from actlab.charts import softmax as charts


def reference_softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    weights = [math.exp((z - top) / temperature) for z in logits]
    total = sum(weights)
    return [w / total for w in weights]


def tooltip_fields(spec: dict) -> set[str]:
    layers = spec.get("layer", [spec])
    return {t["field"] for layer in layers for t in layer.get("encoding", {}).get("tooltip", [])}


def test_jacobian_heatmap_has_tooltips_and_symmetric_scale():
    table = sm.jacobian_table([1.0, 0.0, -1.0], 1.0)
    spec = charts.jacobian_heatmap(table, "autograd", "autograd", limit=0.25).to_dict()
    cells = spec["layer"][0]
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["color"]["field"] == "autograd"
    assert cells["encoding"]["color"]["scale"]["domain"] == [-0.25, 0.25]
    assert {"i", "j", "autograd", "closed form", "abs difference"} <= tooltip_fields(spec)
    assert spec["layer"][1]["encoding"]["text"]["field"] == "autograd"
    closed = charts.jacobian_heatmap(table, "closed form").to_dict()
    assert closed["layer"][0]["encoding"]["color"]["field"] == "closed form"
    # Default scale: the largest |entry|, here the diagonal p_0 (1 - p_0).
    p0 = reference_softmax([1.0, 0.0, -1.0])[0]
    assert closed["layer"][0]["encoding"]["color"]["scale"]["domain"] == pytest.approx(
        [-p0 * (1 - p0), p0 * (1 - p0)], abs=1e-15
    )
    assert tooltip_fields(closed) == tooltip_fields(spec)


def test_large_jacobian_heatmap_drops_printed_numbers_but_keeps_tooltips():
    spec = charts.jacobian_heatmap(sm.jacobian_table(list(range(10))), "autograd").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect"]
    assert {"i", "j", "autograd", "closed form", "abs difference"} <= tooltip_fields(spec)


def test_other_charts_have_tooltips():
    bars = charts.probability_bars(sm.probability_table([1.0, 2.0], 0.5)).to_dict()
    assert {"class", "probability", "probability at T = 1"} <= tooltip_fields(bars)
    sweep = charts.temperature_chart(sm.temperature_sweep([1.0, 2.0]), 0.5).to_dict()
    assert {"temperature", "probability"} <= tooltip_fields(sweep)
    assert sweep["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    status = charts.status_chart(sm.status_segments(), 100.0).to_dict()
    assert {"status", "scale from", "scale to"} <= tooltip_fields(status)
    assert status["layer"][0]["encoding"]["color"]["scale"]["domain"][0] == "finite"


def test_loss_gradient_chart_plots_the_gradient_per_pair():
    spec = charts.loss_gradient_chart(sm.binary_loss_gradients(points=11), "z", "dL/dz").to_dict()
    encoding = spec["layer"][0]["encoding"]
    assert encoding["y"]["field"] == "gradient" and encoding["y"]["title"] == "dL/dz"
    assert encoding["x"]["title"] == "z" and encoding["color"]["field"] == "pair"
    assert {"pair", "logit", "gradient", "loss", "p(true class)"} <= tooltip_fields(spec)


def test_nll_charts_plot_loss_and_gradient_per_output():
    curves = sm.nll_with_outputs(3, points=11)
    loss = charts.nll_loss_chart(curves).to_dict()
    gradient = charts.nll_gradient_chart(curves).to_dict()
    assert loss["layer"][0]["encoding"]["y"]["field"] == "loss"
    assert gradient["layer"][0]["encoding"]["y"]["field"] == "gradient (true logit)"
    assert loss["layer"][0]["encoding"]["color"]["field"] == "output"
    assert "gradient (competing logit)" in tooltip_fields(gradient)
    assert loss["layer"][0]["title"] == "the loss"
    assert gradient["layer"][0]["title"] == "its gradient on the true logit"
