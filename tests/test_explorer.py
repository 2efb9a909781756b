"""Explorer computations: curves, derivative check, saturation zones, image view."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from actlab import activations, bundled, explorer


def test_curves_are_long_with_one_block_per_function():
    table = explorer.curves({"relu": {}, "tanh": {}}, -2, 2, 41)
    assert list(table.columns) == ["activation", "id", "x", "f", "df", "df_exact", "d2f"]
    assert table.groupby("activation").size().to_dict() == {"ReLU": 41, "Tanh": 41}
    tanh = table[table["id"] == "tanh"]
    np.testing.assert_allclose(tanh["f"], np.tanh(tanh["x"]), atol=1e-15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3.0, 1.0, 101), "x_min=3"),
        ((float("nan"), 1.0, 101), "nan"),
        ((-1.0, 1e6, 101), "1e\\+06|1000000"),
        ((-1.0, 1.0, 3), "3"),
    ],
)
def test_bad_ranges_are_value_errors(args, message):
    with pytest.raises(ValueError, match=message):
        explorer.curves({"relu": {}}, *args)
    with pytest.raises(ValueError, match="at least one"):
        explorer.curves({}, -1, 1, 101)


def test_sigmoid_saturation_zone_edges_match_the_closed_form():
    # sigmoid'(x) = 0.1  <=>  s(1 - s) = 0.1  <=>  x = ±log(s / (1 - s)), s = (1 + sqrt(0.6)) / 2
    s = (1 + math.sqrt(0.6)) / 2
    edge = math.log(s / (1 - s))
    table = explorer.curves({"sigmoid": {}}, -6, 6, 12001)
    zones = explorer.saturation_zones(table, 0.1)
    assert zones[["x_start"]].iloc[0, 0] == -6.0 and zones["x_end"].iloc[1] == 6.0
    assert zones["x_end"].iloc[0] == pytest.approx(-edge, abs=1e-3)
    assert zones["x_start"].iloc[1] == pytest.approx(edge, abs=1e-3)
    with pytest.raises(ValueError, match="-1"):
        explorer.saturation_zones(table, -1.0)


def test_derivative_check_reports_agreement_and_kink_convention():
    selection = {"relu": {}, "gelu": {}}
    table = explorer.curves(selection, -3, 3, 601)
    check = explorer.derivative_check(selection, table).set_index("activation")
    assert check.loc["GELU", "max |autograd − closed form|"] < 1e-14
    assert check.loc["ReLU", "points compared"] == 600  # x = 0 is the kink
    assert check.loc["ReLU", "torch's f' at kinks"] == "x=0: torch f'=0 (left 0, right 1)"
    assert check.loc["GELU", "torch's f' at kinks"] == "no kinks"


def test_image_is_normalised_and_activations_apply_pixelwise():
    image = bundled.normalized_digit(0)
    assert image.shape == (28, 28)
    assert image.mean() == pytest.approx(0, abs=1e-12) and image.std() == pytest.approx(1)
    outputs = explorer.apply_to_image(image, {"relu": {}, "sigmoid": {}})
    np.testing.assert_array_equal(outputs["ReLU"], np.maximum(image, 0))
    np.testing.assert_allclose(outputs["Sigmoid"], 1 / (1 + np.exp(-image)), atol=1e-15)
    rgb = explorer.diverging_rgb(outputs["ReLU"], scale=2)
    assert rgb.shape == (56, 56, 3) and rgb.dtype == np.uint8
    # ReLU output has no negative pixels, so no blue: red channel is always the largest.
    assert (rgb[..., 0] >= rgb[..., 2]).all()
    with pytest.raises(ValueError, match="10000"):
        bundled.normalized_digit(10000)


def test_bundled_mnist_splits():
    images, labels = bundled.bundled_mnist("train")
    assert images.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    test_images, test_labels = bundled.bundled_mnist("test")
    assert test_images.shape == (10000, 28, 28) and test_labels[:5].tolist() == [7, 2, 1, 0, 4]
    with pytest.raises(ValueError, match="valid"):
        bundled.bundled_mnist("valid")


def test_thinned_keeps_every_kth_point_both_ends_and_only_the_drawn_columns():
    table = explorer.curves({"relu": {}, "tanh": {}, "sigmoid": {}}, -5, 5, 1001)
    drawn, kept = explorer.thinned(table, ["f"], max_rows=1000)
    assert list(drawn.columns) == ["activation", "x", "f"]
    assert kept == 251 and len(drawn) == 3 * 251  # every 4th of 1001 points, ends included
    assert drawn["x"].min() == -5.0 and drawn["x"].max() == 5.0
    full = table.set_index(["activation", "x"])["f"]
    assert drawn.set_index(["activation", "x"])["f"].equals(
        full.loc[drawn.set_index(["activation", "x"]).index]
    )
    whole, kept = explorer.thinned(table, ["df", "df_exact"], max_rows=10_000, rows_per_point=2)
    assert kept == 1001 and len(whole) == len(table)
    assert explorer.drawn_points_note(1001, 1001) == "x"
    assert explorer.drawn_points_note(251, 1001) == (
        "x (251 of 1,001 points per curve drawn; the CSV has all)"
    )


def test_curve_set_splits_off_undefined_points_and_checks_the_finite_ones():
    selection = {activations.custom_id("log(x)"): {}, "relu": {}}
    curves = explorer.curve_set(selection, -1, 1, 21)
    table, undefined = explorer.split_undefined(explorer.curves(selection, -1, 1, 21))
    pd.testing.assert_frame_equal(curves.table, table)
    pd.testing.assert_frame_equal(curves.undefined, undefined)
    pd.testing.assert_frame_equal(curves.check, explorer.derivative_check(selection, table))
    assert curves.points == 21 and curves.undefined["points"].tolist() == [11]  # x ≤ 0


def test_chart_rows_are_thinned_shaded_for_f_and_df_only_and_say_so():
    curves = explorer.curve_set({"relu": {}, "sigmoid": {}}, -5, 5, 1001)
    f = explorer.chart_rows(curves, "f", 0.05, max_rows=1000)
    thinned, kept = explorer.thinned(curves.table, ["f"], 1000)
    pd.testing.assert_frame_equal(f.rows, thinned)
    assert f.x_title == explorer.drawn_points_note(kept, 1001) != "x"
    pd.testing.assert_frame_equal(f.zones, explorer.saturation_zones(curves.table, 0.05))
    assert explorer.chart_rows(curves, "df", 0.0, 10_000).zones is None  # no shading at 0
    assert explorer.chart_rows(curves, "d2f", 0.05, 10_000).zones is None
    check = explorer.chart_rows(curves, "check", 0.05, 10_000)
    assert list(check.rows.columns) == ["activation", "x", "df", "df_exact"]
    assert check.zones is None and check.x_title == "x"
    with pytest.raises(ValueError, match="chart must be one of"):
        explorer.chart_rows(curves, "d3f", 0.05, 10_000)


def test_image_view_colours_the_digit_and_every_output():
    view = explorer.image_view(3, {"relu": {}, "tanh": {}})
    image = bundled.normalized_digit(3)
    np.testing.assert_array_equal(view.digit, explorer.diverging_rgb(image))
    np.testing.assert_array_equal(
        view.pictures["ReLU"], explorer.diverging_rgb(np.maximum(image, 0))
    )
    assert view.ranges["ReLU"] == (0.0, pytest.approx(image.max()))
    assert view.ranges["Tanh"] == pytest.approx((np.tanh(image.min()), np.tanh(image.max())))


def test_formula_cards_show_closed_forms_or_the_typed_formula():
    relu = explorer.formula_card("relu")
    entry = activations.get("relu")
    assert relu.latex == (f"f(x) = {entry.latex_f}", f"f'(x) = {entry.latex_df}")
    assert relu.typed is None and relu.heading == f"ReLU — {entry.description}"
    typed = explorer.formula_card(activations.custom_id("x * sigmoid(x)"))
    assert typed.latex == () and typed.typed == "f(x) = x * sigmoid(x)"


def test_huge_values_are_left_out_of_the_charts_and_said_so():
    """1/x near 0 reaches 5e15 (f) and -2e31 (f'): drawn, it flattens every other curve."""
    selection = {activations.custom_id("1 / x"): {}, "relu": {}}
    x = explorer.x_grid(-6, 6, 801).numpy()  # its middle point is 1e-15, not 0
    curves = explorer.curve_set(selection, -6, 6, 801)
    with np.errstate(divide="ignore"):
        beyond = (np.abs(1 / x) > 1e6) | (np.abs(1 / x**2) > 1e6)
    left_out = curves.undefined.set_index("activation")
    assert beyond.sum() >= 1
    assert left_out.loc["Custom: 1 / x", "points"] == beyond.sum()
    assert left_out.loc["Custom: 1 / x", "huge"] == (beyond & (x != 0)).sum()
    assert "ReLU" not in left_out.index
    drawn = curves.table[["f", "df"]].abs().to_numpy()
    assert drawn.max() <= explorer.DRAWN_LIMIT
    note = explorer.left_out_note(curves.undefined)
    assert "Custom: 1 / x" in note and "beyond ±1e+06" in note


def test_image_captions_have_no_negative_zero():
    view = explorer.ImageView(np.zeros((1, 1, 3)), {}, {"ReLU": (-0.001, 3.514)})
    assert view.caption("ReLU") == "ReLU: [0.00, 3.51]"
    view = explorer.ImageView(np.zeros((1, 1, 3)), {}, {"Tanh": (-0.996, -0.004)})
    assert view.caption("Tanh") == "Tanh: [-1.00, 0.00]"
