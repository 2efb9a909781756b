"""actlab.charts.gated: the heatmap's layers and scales, slices and the diagonal's styles."""

from __future__ import annotations

from actlab import gated
from actlab.charts import palette
from actlab.charts.gated import diagonal_chart, plane_heatmap, slice_chart


def test_heatmap_is_square_diverging_with_contours_diagonal_and_slices():
    view = gated.gated_view("swiglu", a0=1.0, b0=-2.0, extent=3.0, points=21)
    spec = plane_heatmap(view.plane, view.contours, "g", gated.FIELDS["g"], a0=1.0, b0=-2.0)
    spec = spec.to_dict()
    assert spec["width"] == spec["height"]
    cells, contours, _diagonal, label, rule_a, rule_b = spec["layer"]
    scale = cells["encoding"]["color"]["scale"]
    assert scale["scheme"] == "redblue" and scale["domain"][0] == -scale["domain"][1]
    assert contours["mark"]["type"] == "rule" and "x2" in contours["encoding"]
    assert label["mark"]["type"] == "text"
    assert rule_a["encoding"]["x"]["field"] == "a" and rule_b["encoding"]["y"]["field"] == "b"
    assert spec["title"] == gated.FIELDS["g"]


def test_heatmap_without_slice_markers_or_contours():
    view = gated.gated_view("reglu", extent=2.0, points=11)
    empty = view.contours.iloc[0:0]
    spec = plane_heatmap(view.plane, empty, "dg_db", "∂g/∂b = φ(a)").to_dict()
    assert len(spec["layer"]) == 3  # cells, the diagonal and its label


def test_slices_and_diagonal_use_the_palette():
    view = gated.gated_view("geglu", extent=3.0, points=21)
    spec = slice_chart(view.slice_b, "a", "a", "b fixed").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["field"] == "a"
    diagonal = diagonal_chart(view.diagonal).to_dict()
    colours = diagonal["layer"][0]["encoding"]["color"]["scale"]
    styles = dict(zip(colours["domain"], colours["range"], strict=True))
    assert styles["GEGLU · on a = b"] == palette.activation_style("geglu").colour
    assert styles["GELU · the gate φ alone, b = 1"] == palette.activation_style("gelu").colour


def test_gated_ids_have_fixed_distinct_styles():
    styles = {palette.activation_style(n) for n in gated.names()}
    catalogue = {palette.activation_style(n) for n in palette.ORDER[:-4]}
    assert len(styles) == 4 and not styles & catalogue
    assert palette.label_style("SwiGLU") == palette.activation_style("swiglu")
