"""actlab.charts.explorer: the curve charts with saturation shading, and the derivative check."""

from __future__ import annotations

from actlab import activations, explorer
from actlab.charts.explorer import CURVE_TITLES, curve_chart, derivative_check_chart


def test_curve_chart_draws_only_its_columns_and_shades_the_zones_under_the_lines():
    curves = explorer.curve_set({"relu": {}, "sigmoid": {}}, -6, 6, 121)
    rows = explorer.chart_rows(curves, "df", 0.05, 10_000)
    spec = curve_chart(rows.rows, "df", rows.zones, x_title="x").to_dict()
    shading, lines = spec["layer"]
    assert shading["mark"]["type"] == "rect" and shading["encoding"]["x2"]["field"] == "x_end"
    line = lines["layer"][0]["encoding"]
    assert (line["y"]["field"], line["y"]["title"]) == ("df", CURVE_TITLES["df"])
    drawn = spec["datasets"][lines["data"]["name"]]
    assert set(drawn[0]) == {"activation", "x", "df"} and len(drawn) == 2 * 121
    zones = spec["datasets"][shading["data"]["name"]]
    assert {zone["activation"] for zone in zones} == {"ReLU", "Sigmoid"}
    assert "legend_df" in str(spec) and "tooltip" in str(spec)
    plain = curve_chart(rows.rows, "df", None).to_dict()
    assert "rect" not in str(plain)


def test_derivative_check_chart_dashes_the_closed_form_and_drops_typed_formulas_from_it():
    selection = {"tanh": {}, activations.custom_id("x * x"): {}}
    rows = explorer.chart_rows(explorer.curve_set(selection, -2, 2, 41), "check", 0, 10_000)
    spec = derivative_check_chart(rows.rows, x_title=rows.x_title).to_dict()
    assert spec["encoding"]["strokeDash"]["field"] == "method"
    drawn = spec["datasets"][spec["data"]["name"]]
    methods = {(row["activation"], row["method"]) for row in drawn}
    custom = activations.display_name(activations.custom_id("x * x"))
    assert methods == {("Tanh", "autograd"), ("Tanh", "closed form"), (custom, "autograd")}
