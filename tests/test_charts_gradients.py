"""actlab.charts.gradients: norms on a log axis with the sigmoid reference, layer statistics,
histograms and dead units."""

from __future__ import annotations

import math

import pandas as pd

from actlab import gradients as gr
from actlab.charts import palette
from actlab.charts.gradients import (
    BOUND_LABEL,
    HISTOGRAM_TITLES,
    dead_unit_chart,
    gradient_norm_chart,
    histogram_chart,
    layer_stat_chart,
    plottable_on_log_axis,
)


def comparison() -> gr.ProbeComparison:
    probes = [gr.probe(name, 4, 8, "xavier", 0, batch_size=16) for name in ("relu", "sigmoid")]
    return gr.compare(probes)


def test_norm_chart_is_logarithmic_and_adds_the_dashed_sigmoid_reference():
    view = comparison()
    spec = gradient_norm_chart(view.norms, view.reference, column="norm").to_dict()
    lines, reference = spec["layer"]
    assert lines["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    assert reference["mark"]["strokeDash"] == [6, 4]
    bound = spec["datasets"][reference["data"]["name"]]
    assert [row["bound"] for row in bound] == view.reference["bound"].tolist()
    assert {row["reference"] for row in bound} == {BOUND_LABEL}
    alone = gradient_norm_chart(view.norms, None, column="signal_norm").to_dict()
    assert alone["layer"][0]["encoding"]["y"]["field"] == "signal_norm"


def test_norms_off_the_log_axis_are_left_out_of_the_chart():
    table = pd.DataFrame({"layer": [1, 2, 3, 4], "norm": [0.0, math.inf, 1e-30, 2.0]})
    assert plottable_on_log_axis(table, "norm")["layer"].tolist() == [3, 4]


def test_layer_statistics_and_histograms_draw_one_colour_per_activation():
    view = comparison()
    stat = layer_stat_chart(view.stats, "saturated", "share", "stat_saturated").to_dict()
    assert stat["layer"][0]["encoding"]["y"]["field"] == "saturated"
    rows = view.histogram(2, "activation")
    spec = histogram_chart(rows, HISTOGRAM_TITLES["activation"], "hist").to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x2"]["field"] == "bin_end"
    assert spec["encoding"]["x"]["title"] == "h = f(z)"
    assert len(spec["datasets"][spec["data"]["name"]]) == len(rows)


def test_dead_unit_chart_spans_the_whole_training_and_the_unit_interval():
    dead = pd.DataFrame(
        {
            "run": ["as set"] * 2,
            "step": [0, 10],
            "layer": [1, 1],
            "units": [8, 8],
            "dead": [0, 4],
            "fraction": [0.0, 0.5],
            "negative": [0.0, 0.5],
        }
    )
    spec = dead_unit_chart(dead, "as set", "dead_legend", 300).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 300]
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1]
    rows = spec["datasets"][spec["data"]["name"]]
    assert [row["hidden_layer"] for row in rows] == ["layer 1", "layer 1"]


def test_histogram_bars_stand_on_zero():
    rows = comparison().histogram(2, "activation")
    encoding = histogram_chart(rows, "h", "hist").to_dict()["encoding"]
    assert encoding["y"]["field"] == "share" and encoding["y2"] == {"datum": 0}


def scale_of(encoding: dict, channel: str) -> dict[str, object]:
    """``{label: value}`` of one channel's scale in a chart's encoding."""
    scale = encoding[channel]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))


def test_a_gated_unit_keeps_its_palette_style_apart_from_its_gate():
    # SwiGLU's gate is SiLU and GLU's is Sigmoid: same hue, told apart by the dash.
    probes = [
        gr.probe(name, 4, 16, "pytorch_default", 0, batch_size=16)
        for name in ("silu", "swiglu", "sigmoid", "glu")
    ]
    view = gr.compare(probes)
    lines = gradient_norm_chart(view.norms, None).to_dict()["layer"][0]["encoding"]
    colours, dashes = scale_of(lines, "color"), scale_of(lines, "strokeDash")
    for name in ("silu", "swiglu", "sigmoid", "glu"):
        style = palette.activation_style(name)
        assert colours[gr.display_name(name)] == style.colour
        assert dashes[gr.display_name(name)] == list(style.dash)
    assert (
        colours["SwiGLU"] == colours["SiLU / Swish"] and dashes["SwiGLU"] != dashes["SiLU / Swish"]
    )
    # Histogram bars are filled in the hue and outlined in the dash, so they differ too.
    bars = histogram_chart(view.histogram(2, "activation"), "h", "hist").to_dict()["encoding"]
    fills, outlines = scale_of(bars, "color"), scale_of(bars, "stroke")
    assert fills == outlines and fills["GLU"] == fills["Sigmoid"]
    bar_dashes = scale_of(bars, "strokeDash")
    assert bar_dashes["GLU"] != bar_dashes["Sigmoid"]
    assert bar_dashes["GLU"] == list(palette.activation_style("glu").dash)
