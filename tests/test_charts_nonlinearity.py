"""actlab.charts.nonlinearity: each builder draws the columns it is given, with tooltips."""

from __future__ import annotations

import pandas as pd

from actlab import stacking
from actlab.charts.nonlinearity import (
    activation_comparison_chart,
    affine_fit_scatter,
    classic_chain_chart,
    pieces_chart,
    pieces_vs_depth_chart,
)


def tooltip_fields(spec: dict) -> set[str]:
    layers = spec.get("layer", [spec])
    return {t["field"] for layer in layers for t in layer.get("encoding", {}).get("tooltip", [])}


def rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_classic_chain_dashes_only_the_collapsed_layer():
    table = stacking.classic_chain(3, 1, 2, 2, "relu", points=5)
    spec = classic_chain_chart(table).to_dict()
    dash = spec["layer"][0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == list(dict.fromkeys(table["curve"]))
    assert dash["range"] == [[1, 0], [7, 5], [1, 0]]  # the middle curve, "one layer", dashed
    assert {"curve", "x", "y"} <= tooltip_fields(spec)
    assert len(rows(spec)) == 3 * 5


def test_affine_fit_scatter_is_one_panel_per_activation_on_its_own_scale():
    fit = stacking.affine_fit((2, 4, 1), 0, ["relu"])
    spec = affine_fit_scatter(fit.scatter).to_dict()
    assert spec["facet"]["field"] == "activation"
    assert spec["resolve"]["scale"] == {"x": "independent", "y": "independent"}
    diagonal, points = spec["spec"]["layer"]
    assert diagonal["encoding"]["y"]["field"] == "best affine fit"
    assert points["encoding"]["y"]["field"] == "network output"
    assert {"activation", "best affine fit", "network output"} <= tooltip_fields(spec["spec"])


def test_pieces_chart_puts_a_rule_at_every_breakpoint():
    piece = stacking.piece_curve(1, 3, 0)
    spec = pieces_chart(piece.curves, piece.breakpoints).to_dict()
    relu_panel, linear_panel = spec["hconcat"]
    rules, line = relu_panel["layer"]
    assert rules["mark"]["type"] == "rule" and line["mark"]["type"] == "line"
    assert len(spec["datasets"][rules["data"]["name"]]) == piece.relu.pieces - 1
    assert [layer["mark"]["type"] for layer in linear_panel["layer"]] == ["line"]
    assert linear_panel["layer"][0]["title"] == "no activation (1 piece)"
    none = pieces_chart(piece.curves, pd.DataFrame({"x": []})).to_dict()
    assert len(none["hconcat"][0]["layer"]) == 1  # no breakpoints, no rules


def test_pieces_vs_depth_uses_a_log_axis_and_shows_the_range():
    table = stacking.pieces_table([1, 2], [2], [0])
    spec = pieces_vs_depth_chart(table).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    assert {"network", "depth", "pieces", "min", "max", "hidden units"} <= tooltip_fields(spec)


def test_activation_comparison_overlays_one_line_per_activation():
    table = stacking.activation_comparison(hidden=3, points=11)
    spec = activation_comparison_chart(table).to_dict()
    assert spec["layer"][0]["encoding"]["color"]["field"] == "activation"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "model output"
    assert len(rows(spec)) == 5 * 11


def test_classic_chain_has_a_legend_naming_its_three_curves():
    table = stacking.classic_chain(3, 1, 2, 2, "relu", points=5)
    encoding = classic_chain_chart(table).to_dict()["layer"][0]["encoding"]
    assert encoding["color"].get("legend", {}) is not None  # a legend, not legend=None
    assert encoding["color"]["scale"]["domain"] == list(dict.fromkeys(table["curve"]))
    assert encoding["strokeDash"]["title"] == encoding["color"]["title"]  # one merged legend


def test_pieces_vs_depth_says_where_each_count_was_taken():
    table = stacking.pieces_table([1, 2], [2], [0], -3.0, 3.0)
    spec = pieces_vs_depth_chart(table).to_dict()
    assert "[-3, 3]" not in spec["layer"][0]["encoding"]["y"]["title"]
    labels = {r["counted"] for r in rows(spec)}
    assert "hand-built sawtooth, width 2, on [0, 1]" in labels
    assert "ReLU, width 2, on [-3, 3]" in labels
