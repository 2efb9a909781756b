"""actlab.stacking against hand-derived values and independent float64 references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from actlab import activations, stacking


def test_classic_example_collapses_to_six_x_plus_four():
    assert stacking.collapse([(3, 1), (2, 2)]) == (6, 4)
    assert stacking.collapse([(3.0, 1.0), (2.0, 2.0), (0.5, -1.0)]) == (3.0, 1.0)


def test_classic_latex_with_the_users_numbers():
    assert stacking.classic_latex(3, 1, 2, 2).endswith(r"= 2\,(3x + 1) + 2 = 6x + 4")
    assert stacking.classic_latex(-1, 0.5, 2, -3).endswith(r"= 2\,(-1x + 0.5) - 3 = -2x - 2")


def test_collapse_of_matrices_matches_hand_product():
    w1 = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    b1 = torch.tensor([1.0, 0.0, -2.0])
    w2 = torch.tensor([[1.0, 1.0, 0.0]])
    b2 = torch.tensor([5.0])
    w, b = stacking.collapse([(w1, b1), (w2, b2)])
    # W2 W1 = [1+0, 2-1] and W2 b1 + b2 = 1 + 0 + 5, worked by hand.
    assert w.tolist() == [[1.0, 1.0]]
    assert b.tolist() == [6.0]
    assert w.dtype == torch.float64


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([], "at least one layer"),
        ([(torch.ones(3, 2), torch.ones(3)), (torch.ones(1, 4), torch.ones(1))], "takes 4 inputs"),
        ([(torch.ones(3, 2), torch.ones(2))], "b has 2 entries"),
        ([(float("nan"), 1.0)], "finite"),
        ([(1.0, "a")], "numbers"),
        ([(1.0,)], "pair"),
    ],
)
def test_collapse_rejects_bad_layers_by_name(layers, message):
    with pytest.raises(ValueError, match=message):
        stacking.collapse(layers)


@pytest.mark.parametrize(
    ("widths", "seed"), [((3, 8, 8, 2), 0), ((5, 16, 4, 16, 16, 3), 7), ((1, 2, 1), 3)]
)
def test_random_deep_linear_nets_match_their_collapsed_map(widths, seed):
    model = stacking.random_stack(widths, seed, dtype=torch.float64)
    w, b = stacking.collapse(stacking.weight_bias_pairs(model))
    x = torch.randn(500, widths[0], dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(x @ w.T + b, expected, rtol=1e-12, atol=1e-12)
    report = stacking.collapse_report(widths, seed)
    assert report.max_abs_error < 1e-5 * max(report.output_scale, 1.0)
    assert report.max_abs_error > 0  # float32 net against the float64 map: rounding, not zero
    assert report.rank <= report.min_width == min(widths)


def test_rank_is_capped_by_the_bottleneck():
    report = stacking.collapse_report((6, 32, 1, 32, 6), 0)
    assert report.w_eff.shape == (6, 6)
    assert report.rank == 1
    assert stacking.collapse_report((6, 32, 32, 6), 0).rank == 6


def test_same_seed_same_weights_and_activation_between_layers_only():
    a = stacking.random_stack((2, 4, 3), 5, "relu")
    b = stacking.random_stack((2, 4, 3), 5, "tanh")
    assert len(a) == 3 and a[1].name == "relu"
    torch.testing.assert_close(a[0].weight, b[0].weight)
    assert not torch.equal(a[0].weight, stacking.random_stack((2, 4, 3), 6)[0].weight)


def test_best_affine_fit_is_exact_for_linear_and_poor_with_relu():
    fit = stacking.affine_fit((4, 16, 16, 2), 0, ["identity", "relu", "tanh"])
    table, scatter = fit.table, fit.scatter
    rows = table.set_index("activation")
    assert rows.loc["none (linear)", "relative residual"] < 1e-12
    assert rows.loc["ReLU", "relative residual"] > 0.3
    assert rows.loc["Tanh", "relative residual"] > 0.05
    assert set(scatter["activation"]) == set(rows.index)
    assert len(scatter) == 3 * 300


def test_best_affine_fit_recovers_a_known_map():
    x = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = x @ torch.tensor([[2.0], [-3.0]], dtype=torch.float64) + 0.5
    solution, prediction = stacking.best_affine_fit(x, y)
    torch.testing.assert_close(solution.reshape(-1), torch.tensor([2.0, -3.0, 0.5]).double())
    torch.testing.assert_close(prediction, y)


def test_parse_widths():
    assert stacking.parse_widths("4, 16 16;2") == (4, 16, 16, 2)
    for bad, message in [("4", "at least"), ("4, x", "whole numbers"), ("4, 0, 2", "between")]:
        with pytest.raises(ValueError, match=message):
            stacking.parse_widths(bad)
    with pytest.raises(ValueError, match="at most"):
        stacking.parse_widths(",".join(["2"] * 20))


def test_classic_chain_curves_by_hand():
    table = stacking.classic_chain(3, 1, 2, 2, "relu", -1.0, 1.0, 5)
    curves = {name: group["y"].tolist() for name, group in table.groupby("curve")}
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    assert curves["two linear layers"] == pytest.approx(6 * x + 4, abs=1e-15)
    assert curves["one layer: w=6, b=4"] == pytest.approx(6 * x + 4, abs=1e-15)
    relu = 2 * np.maximum(3 * x + 1, 0) + 2
    assert curves["two layers, ReLU between"] == pytest.approx(relu, abs=1e-15)
    with pytest.raises(ValueError, match="x_min < x_max"):
        stacking.classic_chain(3, 1, 2, 2, x_min=1.0, x_max=1.0)


def test_activation_comparison_shares_weights():
    table = stacking.activation_comparison(hidden=6, seed=2, points=41)
    assert set(table["activation"]) == {"no activation", "ReLU", "Sigmoid", "Tanh", "LeakyReLU"}
    model = stacking.random_stack((1, 6, 1), 2, "identity", dtype=torch.float64)
    w1, b1 = model[0].weight.detach(), model[0].bias.detach()
    w2, b2 = model[2].weight.detach(), model[2].bias.detach()
    x = torch.linspace(-1, 1, 41, dtype=torch.float64).reshape(-1, 1)
    sigmoid = (torch.sigmoid(x @ w1.T + b1) @ w2.T + b2).reshape(-1)
    got = table[table["activation"] == "Sigmoid"]["y"].to_numpy()
    np.testing.assert_allclose(got, sigmoid.numpy(), rtol=0, atol=1e-14)
    linear = table[table["activation"] == "no activation"]["y"].to_numpy()
    np.testing.assert_allclose(np.diff(linear, 2), 0, atol=1e-13)  # a straight line


# --- exact pieces ---------------------------------------------------------------------------


def hat_layers(output_weights):
    w1 = torch.tensor([[1.0], [1.0], [1.0]], dtype=torch.float64)
    b1 = torch.tensor([0.0, -1.0, -2.0], dtype=torch.float64)
    w2 = torch.tensor([output_weights], dtype=torch.float64)
    return [(w1, b1), (w2, torch.zeros(1, dtype=torch.float64))]


def test_pieces_of_a_hand_built_hat():
    # relu(x) − 2 relu(x − 1) + relu(x − 2): kinks at 0, 1, 2.
    exact = stacking.exact_pieces(hat_layers([1.0, -2.0, 1.0]), -1.0, 3.0)
    assert exact.breakpoints.tolist() == [0.0, 1.0, 2.0]
    assert exact.pieces == 4 and exact.regions == 4
    assert exact.slope[:, 0].tolist() == [0.0, 1.0, -1.0, 0.0]
    # A unit whose output weight is 0 switches (a region edge) without bending the output.
    silent = stacking.exact_pieces(hat_layers([1.0, 0.0, 1.0]), -1.0, 3.0)
    assert silent.regions == 4 and silent.pieces == 3
    assert silent.breakpoints.tolist() == [0.0, 2.0]
    # Kinks outside the interval do not count.
    assert stacking.exact_pieces(hat_layers([1.0, -2.0, 1.0]), 0.5, 1.5).pieces == 2


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_sawtooth_has_two_to_the_depth_pieces(depth):
    exact = stacking.exact_pieces(stacking.sawtooth_layers(depth), 0.0, 1.0)
    assert exact.pieces == 2**depth
    expected = np.arange(1, 2**depth) / 2**depth
    np.testing.assert_array_equal(exact.breakpoints, expected)


def test_leaky_slope_one_is_linear_and_linear_nets_have_one_piece():
    layers = stacking.weight_bias_pairs(stacking.random_relu_net(4, 8, 0, "identity"))
    assert stacking.exact_pieces(layers, -3, 3, negative_slope=1.0).pieces == 1


def grid_pattern_changes(model, xs):
    """Independent count: ReLU on/off patterns along a fine grid, via forward hooks."""
    patterns = []
    hooks = [
        m.register_forward_hook(lambda _m, inp, _out: patterns.append(inp[0] > 0))
        for m in model
        if isinstance(m, activations.ActivationModule)
    ]
    with torch.no_grad():
        model(torch.as_tensor(xs).reshape(-1, 1))
    for hook in hooks:
        hook.remove()
    pattern = torch.cat(patterns, dim=1)
    return int((pattern[1:] != pattern[:-1]).any(dim=1).sum()) + 1


@pytest.mark.parametrize(("depth", "width", "seed"), [(1, 4, 0), (2, 3, 1), (3, 5, 2), (4, 4, 3)])
def test_exact_pieces_agree_with_a_fine_grid_on_small_random_nets(depth, width, seed):
    model = stacking.random_relu_net(depth, width, seed)
    exact = stacking.exact_pieces(stacking.weight_bias_pairs(model), -3.0, 3.0)
    xs = np.linspace(-3.0, 3.0, 200_001)
    assert grid_pattern_changes(model, xs) == exact.regions
    with torch.no_grad():
        net = model(torch.as_tensor(xs).reshape(-1, 1)).numpy()
    np.testing.assert_allclose(exact(xs), net, rtol=0, atol=1e-12)
    assert 1 <= exact.pieces <= exact.regions


def test_piece_curve_and_table():
    piece = stacking.piece_curve(2, 6, 0)
    curves, relu, linear = piece.curves, piece.relu, piece.linear
    assert linear.pieces == 1
    assert f"ReLU ({relu.pieces} pieces)" in set(curves["network"])
    table = stacking.pieces_table([1, 3], [2, 4], [0, 1])
    saw = table[table["network"] == "hand-built sawtooth, width 2"].set_index("depth")
    assert saw.loc[3, "pieces"] == 8
    assert (table[table["network"].str.startswith("no activation")]["pieces"] == 1).all()
    one_layer = table[(table["depth"] == 1) & (table["network"] == "ReLU, width 4")]
    assert one_layer["max"].item() <= 5  # a width-4 layer has at most 4 kinks


def test_affine_fit_of_an_undefined_typed_activation_is_a_value_error():
    from actlab import activations

    name = activations.custom_id("log(x)")
    with pytest.raises(ValueError, match=r"Custom: log\(x\) makes the network output NaN"):
        stacking.affine_fit([4, 4, 4], 0, ["relu", name])


# --- typed results the page shows -----------------------------------------------------------


def test_classic_example_has_everything_section_one_shows():
    example = stacking.classic_example(3, 1, 2, 2, "relu")
    assert (example.w_eff, example.b_eff) == (6.0, 4.0)
    assert example.collapse_latex == stacking.classic_latex(3, 1, 2, 2)
    assert example.activation_latex == (
        r"\text{with ReLU: }y = w_2\, f(w_1 x + b_1) + b_2 = 2\, f(3x + 1) + 2"
    )
    assert example.between == "ReLU"
    assert example.kink == pytest.approx(-1 / 3)
    pd.testing.assert_frame_equal(example.curves, stacking.classic_chain(3, 1, 2, 2, "relu"))
    flat = stacking.classic_example(0, 1, 2, -3, "tanh")
    assert flat.kink is None and flat.between == "Tanh"
    assert flat.activation_latex.endswith(r"2\, f(0x + 1) - 3")


def test_affine_latex_signs():
    assert stacking.affine_latex(6, 4) == "6x + 4"
    assert stacking.affine_latex(-2, -0.5) == "-2x - 0.5"
    assert stacking.affine_latex(1, 0, "h") == "1h + 0"


def test_collapse_report_formula_and_table():
    report = stacking.collapse_report((3, 5, 2), 1)
    assert report.formula_latex.startswith(r"y = W_{2}(\cdots W_2(W_1x + b_1)")
    assert r"\sum_{i=1}^{2}" in report.formula_latex
    table = report.table
    assert list(table.columns) == ["x1", "x2", "x3", "b_eff"]
    assert list(table.index) == ["y1", "y2"]
    np.testing.assert_array_equal(table[["x1", "x2", "x3"]].to_numpy(), report.w_eff.numpy())
    np.testing.assert_array_equal(table["b_eff"].to_numpy(), report.b_eff.numpy())


def test_affine_fit_puts_the_linear_stack_first_once():
    fit = stacking.affine_fit((2, 4, 1), 0, ["relu", "identity"])
    assert fit.table["activation"].tolist() == ["none (linear)", "ReLU"]
    assert list(dict.fromkeys(fit.scatter["activation"])) == ["none (linear)", "ReLU"]


def test_piece_curve_breakpoints_table():
    piece = stacking.piece_curve(2, 4, 1)
    assert list(piece.breakpoints.columns) == ["x"]
    np.testing.assert_array_equal(piece.breakpoints["x"], piece.relu.breakpoints)
    assert len(piece.breakpoints) == piece.relu.pieces - 1


def test_checks_use_one_error_style():
    with pytest.raises(ValueError, match="every width must be between 1 and 256, got 300"):
        stacking.check_widths((2, 300, 1))
    with pytest.raises(ValueError, match="the number of layers must be at most 12, got 13"):
        stacking.check_widths((2,) * 14)
    with pytest.raises(ValueError, match="depth must be between 0 and 11, got 12"):
        stacking.random_relu_net(12, 2, 0)
    with pytest.raises(ValueError, match="depth must be at least 1, got 0"):
        stacking.sawtooth_layers(0)
    with pytest.raises(ValueError, match="points must be between 2 and 100000, got 1"):
        stacking.classic_chain(1, 0, 1, 0, points=1)


def test_a_typed_formula_in_the_chain_latex_is_text_not_commands():
    name = activations.custom_id("x * sigmoid(my_beta * x)")
    latex = stacking.activation_chain_latex(3, 1, 2, 2, name)
    assert r"my\_beta" in latex and "my_beta" not in latex
    assert stacking.latex_text(r"\frac{a}{b}^~") == (
        r"\textbackslash{}frac\{a\}\{b\}\textasciicircum{}\textasciitilde{}"
    )
    # The classic example takes the formula like any catalogue function.
    classic = stacking.classic_example(3, 1, 2, 2, activations.custom_id("where(x > 0, x, 0)"))
    relu = stacking.classic_example(3, 1, 2, 2, "relu")
    np.testing.assert_allclose(classic.curves["y"], relu.curves["y"], atol=1e-12)
