"""actlab.charts.palette: a fixed, colour-blind-safe style per activation."""

from __future__ import annotations

from actlab import activations
from actlab.charts import palette


def test_every_catalogue_function_has_its_own_style():
    styles = [palette.activation_style(name) for name in activations.names()]
    pairs = {(s.colour, s.dash) for s in styles}
    assert len(pairs) == len(styles)
    assert palette.CUSTOM_COLOUR not in {s.colour for s in styles}  # reserved for formulas


def test_the_six_most_taught_functions_are_solid_okabe_ito_hues():
    first = [palette.activation_style(n) for n in palette.ORDER[:6]]
    assert [s.colour for s in first] == list(palette.HUES)
    assert all(s.dash == (1, 0) for s in first)


def test_labels_map_to_their_function_whatever_their_decoration():
    relu = palette.activation_style("relu")
    assert palette.label_style("ReLU") == relu
    assert palette.label_style("ReLU · Kaiming/He normal") == relu
    assert palette.label_style("LeakyReLU(negative_slope=0.1)") == palette.activation_style(
        "leaky_relu"
    )
    assert palette.label_style("Custom: x * sigmoid(x)") == palette.CUSTOM_STYLE
    assert palette.label_style("custom:x*2") == palette.CUSTOM_STYLE


def test_scales_follow_the_labels_not_the_order_on_screen():
    one = palette.colour_scale(["Tanh", "ReLU"]).to_dict()
    other = palette.colour_scale(["ReLU", "GELU", "Custom: x", "Tanh"]).to_dict()
    colour = dict(zip(one["domain"], one["range"], strict=True))
    colour_other = dict(zip(other["domain"], other["range"], strict=True))
    assert colour["ReLU"] == colour_other["ReLU"] and colour["Tanh"] == colour_other["Tanh"]


def test_labels_that_are_not_activations_get_free_distinct_styles():
    chosen = palette.styles(["ReLU", "deep net", "shallow net"])
    assert chosen["ReLU"] == palette.activation_style("relu")
    others = [(chosen[n].colour, chosen[n].dash) for n in ("deep net", "shallow net")]
    assert len(set(others)) == 2 and (chosen["ReLU"].colour, chosen["ReLU"].dash) not in others


def test_the_same_function_twice_in_one_chart_keeps_its_colour_with_another_dash():
    chosen = palette.styles(["Sigmoid · PyTorch default", "Sigmoid · Xavier", "ReLU · Kaiming"])
    first, second = chosen["Sigmoid · PyTorch default"], chosen["Sigmoid · Xavier"]
    assert first.colour == second.colour and first.dash != second.dash
