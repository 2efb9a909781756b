"""actlab.softmax, checked against hand-derived formulas in plain Python/numpy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab import softmax as sm


def reference_softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax in plain Python floats, shifted by the max so it cannot overflow."""
    top = max(logits)
    weights = [math.exp((z - top) / temperature) for z in logits]
    total = sum(weights)
    return [w / total for w in weights]


def next_up(value: float, dtype: torch.dtype) -> float:
    x = torch.tensor(value, dtype=dtype)
    return float(torch.nextafter(x, torch.tensor(math.inf, dtype=dtype)))


def next_down(value: float, dtype: torch.dtype) -> float:
    x = torch.tensor(value, dtype=dtype)
    return float(torch.nextafter(x, torch.tensor(-math.inf, dtype=dtype)))


# --- softmax and its Jacobian -----------------------------------------------------------------


def test_softmax_matches_hand_values():
    # softmax([0, ln 3]) = [1/4, 3/4]; at T = 2 the logits [0, 2 ln 3] give the same.
    assert sm.softmax([0.0, math.log(3.0)]).tolist() == pytest.approx([0.25, 0.75], abs=1e-15)
    p = sm.softmax([0.0, 2 * math.log(3.0)], temperature=2.0)
    assert p.tolist() == pytest.approx([0.25, 0.75], abs=1e-15)
    assert p.dtype == torch.float64


@given(
    logits=st.lists(st.floats(-10, 10), min_size=2, max_size=10),
    temperature=st.floats(0.05, 10.0),
)
@settings(max_examples=40, deadline=None)
def test_softmax_matches_reference_and_sums_to_one(logits, temperature):
    p = sm.softmax(logits, temperature)
    assert p.tolist() == pytest.approx(reference_softmax(logits, temperature), abs=1e-14)
    assert float(p.sum()) == pytest.approx(1.0, abs=1e-14)


@given(
    logits=st.lists(st.floats(-10, 10), min_size=2, max_size=10),
    temperature=st.floats(0.05, 10.0),
)
@settings(max_examples=40, deadline=None)
def test_jacobian_autograd_equals_closed_form_and_rows_sum_to_zero(logits, temperature):
    by_autograd, closed_form = sm.softmax_jacobian(logits, temperature)
    assert by_autograd.dtype == closed_form.dtype == torch.float64
    assert by_autograd.shape == (len(logits), len(logits))
    assert float((by_autograd - closed_form).abs().max()) <= 1e-12
    assert float(by_autograd.sum(dim=1).abs().max()) <= 1e-12
    # Written out entry by entry from plain-Python probabilities: p_i (delta_ij - p_j) / T.
    p = reference_softmax(logits, temperature)
    for i in range(len(p)):
        for j in range(len(p)):
            expected = p[i] * ((i == j) - p[j]) / temperature
            assert float(closed_form[i, j]) == pytest.approx(expected, abs=1e-12)


def test_jacobian_of_two_logits_is_the_sigmoid_derivative():
    # With two logits p_0 = sigmoid(z_0 - z_1), so J = s(1 - s) [[1, -1], [-1, 1]].
    s = 1.0 / (1.0 + math.exp(-(1.5 - (-0.5))))
    by_autograd, _ = sm.softmax_jacobian([1.5, -0.5])
    slope = s * (1.0 - s)
    expected = np.array([[slope, -slope], [-slope, slope]])
    assert np.allclose(by_autograd.numpy(), expected, rtol=0, atol=1e-15)


def test_jacobian_matches_central_differences_with_temperature():
    logits, temperature, h = [0.3, -1.2, 2.0, 0.7], 0.4, 1e-6
    by_autograd, _ = sm.softmax_jacobian(logits, temperature)
    for j in range(len(logits)):
        up = [z + h * (k == j) for k, z in enumerate(logits)]
        down = [z - h * (k == j) for k, z in enumerate(logits)]
        column = (
            np.array(reference_softmax(up, temperature)) - reference_softmax(down, temperature)
        ) / (2 * h)
        assert by_autograd[:, j].numpy() == pytest.approx(column, abs=1e-8)


def test_jacobian_table_long_form_and_max_difference():
    table = sm.jacobian_table([1.0, 2.0, 3.0], 0.5)
    assert list(table.columns) == ["i", "j", "autograd", "closed form", "abs difference"]
    assert len(table) == 9
    assert sorted(set(table["i"])) == [0, 1, 2] == sorted(set(table["j"]))
    diagonal = table[table["i"] == table["j"]].sort_values("i")
    p = reference_softmax([1.0, 2.0, 3.0], 0.5)
    assert diagonal["closed form"].tolist() == pytest.approx(
        [q * (1 - q) / 0.5 for q in p], abs=1e-14
    )
    assert table["abs difference"].max() == pytest.approx(
        sm.jacobian_max_difference([1, 2, 3], 0.5)
    )
    assert sm.jacobian_max_difference([1, 2, 3], 0.5) <= 1e-12


def test_probability_table_and_temperature_effect():
    logits = [2.0, 1.0, 0.1, -1.0]
    at_one = sm.probability_table(logits, 1.0)
    hot = sm.probability_table(logits, 4.0)
    assert at_one["probability"].tolist() == pytest.approx(reference_softmax(logits), abs=1e-15)
    assert hot["probability"].tolist() == pytest.approx(reference_softmax(logits, 4.0), abs=1e-15)
    assert hot["probability at T = 1"].tolist() == pytest.approx(at_one["probability"].tolist())
    assert hot["logit / T"].tolist() == pytest.approx([0.5, 0.25, 0.025, -0.25])
    # Heating flattens: the winner loses probability, the loser gains.
    assert hot["probability"].iloc[0] < at_one["probability"].iloc[0]
    assert hot["probability"].iloc[3] > at_one["probability"].iloc[3]


def test_entropy_between_zero_and_log_k():
    assert sm.entropy_nats([0.0, 0.0, 0.0, 0.0]) == pytest.approx(math.log(4), abs=1e-15)
    p = reference_softmax([2.0, -1.0, 0.5])
    assert sm.entropy_nats([2.0, -1.0, 0.5]) == pytest.approx(-sum(q * math.log(q) for q in p))
    assert sm.entropy_nats([5.0, 0.0], temperature=0.05) < 1e-40


def test_temperature_sweep_runs_from_argmax_to_uniform():
    sweep = sm.temperature_sweep([2.0, 1.0, -1.0], [0.05, 1.0, 1000.0])
    assert len(sweep) == 9
    grouped = sweep.groupby("temperature")["probability"]
    assert grouped.sum().tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-14)
    cold = sweep[sweep["temperature"] == 0.05]["probability"].tolist()
    assert cold == pytest.approx([1.0, 0.0, 0.0], abs=1e-8)
    warm = sweep[sweep["temperature"] == 1000.0]["probability"].tolist()
    assert warm == pytest.approx([1 / 3] * 3, abs=2e-3)
    assert sm.temperature_sweep([0.0, 1.0])["temperature"].min() == pytest.approx(10**-1.3)


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, math.nan, math.inf, "hot", None])
def test_temperature_must_be_positive_and_finite(bad):
    with pytest.raises(ValueError, match="temperature") as info:
        sm.softmax([1.0, 2.0], bad)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    ("logits", "fragment"),
    [
        ([1.0], "got 1"),
        (list(range(11)), "got 11"),
        ([], "got 0"),
        ([1.0, math.nan], "nan at position 1"),
        ([math.inf, 0.0, 1.0], "inf at position 0"),
        ([0.0, -math.inf], "-inf at position 1"),
        (["a", "b"], "numbers"),
        (torch.zeros(2, 3), "shape (2, 3)"),
    ],
)
def test_bad_logits_raise_value_error_naming_them(logits, fragment):
    with pytest.raises(ValueError, match="logits") as info:
        sm.softmax(logits)
    assert fragment in str(info.value)
    with pytest.raises(ValueError):
        sm.softmax_jacobian(logits)


def test_tensor_logits_keep_their_dtype():
    p = sm.softmax(torch.tensor([1.0, 2.0], dtype=torch.float32))
    assert p.dtype == torch.float32
    assert sm.softmax(torch.tensor([1, 2])).dtype == torch.float64


# --- numerics lab -----------------------------------------------------------------------------


def test_naive_log_softmax_overflows_in_float32_where_stable_does_not():
    x = torch.tensor([100.0, 0.0, -5.0], dtype=torch.float32)
    naive = sm.naive_log_softmax(x)
    assert not bool(torch.isfinite(naive).any())
    assert naive.tolist() == [-math.inf] * 3
    stable = sm.stable_log_softmax(x)
    assert stable.dtype == torch.float32
    assert stable.tolist() == [0.0, -100.0, -105.0]
    assert torch.equal(stable, torch.log_softmax(x, dim=-1))
    # The gradient of the naive cross-entropy is inf / inf = NaN.
    leaf = x.clone().requires_grad_(True)
    (-sm.naive_log_softmax(leaf)[2]).backward()
    assert bool(torch.isnan(leaf.grad).any())


def test_naive_log_softmax_underflow_gives_plus_inf():
    x = torch.tensor([-200.0, -201.0], dtype=torch.float32)
    assert sm.naive_log_softmax(x).tolist() == [math.inf, math.inf]
    assert sm.stable_log_softmax(x).tolist() == pytest.approx(
        [-math.log1p(math.exp(-1)), -1 - math.log1p(math.exp(-1))], abs=1e-6
    )


@pytest.mark.parametrize(
    ("name", "tolerance"),
    [("float64", 1e-14), ("float32", 1e-5), ("float16", 2e-2), ("bfloat16", 1e-1)],
)
def test_stable_log_softmax_agrees_with_float64_reference(name, tolerance):
    torch.manual_seed(0)
    logits64 = torch.randn(64, 7, dtype=torch.float64) * 3
    stored = logits64.to(sm.DTYPES[name])
    reference = stored.double() - torch.logsumexp(stored.double(), -1, keepdim=True)
    for method in (sm.stable_log_softmax, sm.naive_log_softmax):
        result = method(stored)
        assert result.dtype == stored.dtype
        assert float((result.double() - reference).abs().max()) <= tolerance


def test_log_softmax_functions_reject_bad_inputs():
    with pytest.raises(ValueError, match="finite"):
        sm.naive_log_softmax(torch.tensor([math.inf, 0.0]))
    with pytest.raises(ValueError, match="floating"):
        sm.stable_log_softmax(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="scalar"):
        sm.naive_log_softmax(torch.tensor(1.0))


@pytest.mark.parametrize("name", list(sm.DTYPES))
def test_exp_overflow_threshold_is_the_last_value_below_log_max(name):
    dtype = sm.DTYPES[name]
    threshold = sm.exp_overflow_threshold(name)
    assert threshold == sm.exp_overflow_threshold(dtype)
    log_max = math.log(torch.finfo(dtype).max)
    assert threshold <= log_max < next_up(threshold, dtype)
    assert bool(torch.isfinite(torch.exp(torch.tensor(threshold, dtype=dtype))))
    assert torch.exp(torch.tensor(next_up(threshold, dtype), dtype=dtype)).item() == math.inf


def test_exp_overflow_thresholds_have_the_textbook_values():
    assert sm.exp_overflow_threshold(torch.float32) == pytest.approx(88.7228, abs=1e-4)
    assert sm.exp_overflow_threshold(torch.float16) == 11.0859375  # 11.09 is not a float16
    assert sm.exp_overflow_threshold(torch.bfloat16) == 88.5  # bfloat16 steps by 0.5 up here
    assert sm.exp_overflow_threshold(torch.float64) == pytest.approx(709.782712893384, abs=1e-12)


@pytest.mark.parametrize("name", list(sm.DTYPES))
def test_exp_underflow_threshold(name):
    dtype = sm.DTYPES[name]
    threshold = sm.exp_underflow_threshold(name)
    assert torch.exp(torch.tensor(threshold, dtype=dtype)).item() > 0
    assert torch.exp(torch.tensor(next_down(threshold, dtype), dtype=dtype)).item() == 0
    # exp rounds to the smallest subnormal s from about s / 2 upwards.
    smallest_subnormal = float(
        torch.nextafter(torch.tensor(0.0, dtype=dtype), torch.tensor(1.0, dtype=dtype))
    )
    assert (
        math.log(smallest_subnormal) - math.log(2) - 0.1
        <= threshold
        <= math.log(smallest_subnormal)
    )


def test_exp_limits_table():
    table = sm.exp_limits_table().set_index("dtype")
    assert list(table.index) == ["float64", "float32", "float16", "bfloat16"]
    for name in table.index:
        row = table.loc[name]
        assert row["largest x with finite exp(x)"] == sm.exp_overflow_threshold(name)
        assert (
            row["largest x with finite exp(x)"]
            <= row["log(finfo.max)"]
            < row["next value (exp = inf)"]
        )
        assert row["next value (exp = 0)"] < row["smallest x with exp(x) > 0"]
    assert table.loc["float32", "log(finfo.max)"] == pytest.approx(88.72283905206835)


def test_resolve_dtype_rejects_other_types():
    with pytest.raises(ValueError, match="int32"):
        sm.resolve_dtype("int32")
    with pytest.raises(ValueError, match=r"torch\.int64"):
        sm.exp_overflow_threshold(torch.int64)


def test_lab_logits_and_validation():
    assert sm.lab_logits(100.0).tolist() == [100.0, 0.0, -5.0]
    assert sm.lab_logits(10.0, -50.0).tolist() == [-40.0, -50.0, -50.5]
    with pytest.raises(ValueError, match="scale"):
        sm.lab_logits(-1.0)
    with pytest.raises(ValueError, match=r"shift.*nan"):
        sm.lab_logits(1.0, math.nan)
    with pytest.raises(ValueError, match=r"target.*3"):
        sm.cross_entropy_comparison(1.0, 0.0, 3)


def test_log_softmax_comparison_at_scale_100():
    table = sm.log_softmax_comparison(100.0).set_index(["dtype", "method"])
    assert len(table) == 12
    for name in ["float32", "float16", "bfloat16"]:
        assert table.loc[(name, "naive"), "status"] == "-inf"
        assert table.loc[(name, "naive"), "max |error| vs float64"] == math.inf
    for name in sm.DTYPES:
        for method in ["max-subtracted", "torch.log_softmax"]:
            row = table.loc[(name, method)]
            assert [row["log p0"], row["log p1"], row["log p2"]] == [0.0, -100.0, -105.0]
            assert row["status"] == "finite"
    # float64 overflows only past 709.78, so its naive formula still works at 100.
    assert table.loc[("float64", "naive"), "log p2"] == pytest.approx(-105.0, abs=1e-12)


def test_cross_entropy_comparison_loss_and_gradient():
    table = sm.cross_entropy_comparison(100.0, 0.0, 2).set_index(["dtype", "method"])
    fused, naive = "F.cross_entropy(z, target)", "naive: -naive_log_softmax(z)[target]"
    # Hand-derived: L = log(e^100 + 1 + e^-5) + 5 = 105 + log(1 + e^-100 + e^-105).
    for name in sm.DTYPES:
        row = table.loc[(name, fused)]
        assert row["loss"] == pytest.approx(105.0, rel=1e-3)
        assert row["gradient status"] == "finite"
        assert [row["dL/dz0"], row["dL/dz1"], row["dL/dz2"]] == pytest.approx(
            [1.0, 0.0, -1.0], abs=1e-6
        )
        assert row["p - onehot, z2"] == pytest.approx(-1.0)
    for name in ["float32", "float16", "bfloat16"]:
        row = table.loc[(name, naive)]
        assert row["loss"] == math.inf
        assert row["gradient status"] == "NaN"
    assert table.loc[("float64", naive), "loss"] == pytest.approx(105.0)


def test_status_segments_put_the_first_overflow_at_the_exp_threshold():
    segments = sm.status_segments()
    for (name, method), runs in segments.groupby(["dtype", "method"]):
        # Runs tile [0, 1000] without gaps.
        assert runs["scale from"].iloc[0] == 0.0
        assert runs["scale to"].iloc[-1] == sm.LAB_SCALE_MAX
        assert (
            runs["scale from"].iloc[1:].to_numpy() == runs["scale to"].iloc[:-1].to_numpy()
        ).all()
        if method != "naive":
            assert runs["status"].tolist() == ["finite"], (name, method)
    first = sm.first_nonfinite(segments).set_index(["dtype", "method"])
    for name, dtype in sm.DTYPES.items():
        threshold = sm.exp_overflow_threshold(name)
        row = first.loc[(name, "naive")]
        # The scale where the stored largest logit first rounds above the threshold.
        assert threshold < row["first non-finite scale"] <= next_up(threshold, dtype)
        assert row["logits there (as stored)"][0] == next_up(threshold, dtype)
        assert row["what breaks"] == "output -inf, gradient NaN"
        assert first.loc[(name, "torch.log_softmax"), "what breaks"] == "stays finite"
    assert first.loc[("float32", "naive"), "first non-finite scale"] == pytest.approx(
        88.7228, abs=1e-4
    )


def test_status_segments_with_negative_shift_show_underflow():
    segments = sm.status_segments(shift=-300.0).set_index(["dtype", "method"])
    runs = segments.loc[("float32", "naive")]
    assert runs["status"].iloc[0] == "output +inf, gradient NaN"
    # exp(s - 300) stops underflowing once s - 300 passes float32's underflow threshold.
    assert runs["scale to"].iloc[0] == pytest.approx(
        300 + sm.exp_underflow_threshold("float32"), abs=1e-4
    )
    assert runs["status"].iloc[-1] == "output -inf, gradient NaN"
    assert runs["scale from"].iloc[-1] == pytest.approx(
        300 + sm.exp_overflow_threshold("float32"), abs=1e-4
    )


# --- output activations and losses ------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_binary_loss_gradients_match_hand_formulas():
    curves = sm.binary_loss_gradients(-10.0, 10.0, 201)
    assert set(curves["pair"]) == {"sigmoid + MSE", "sigmoid + BCE"}
    mse = curves[curves["pair"] == "sigmoid + MSE"]
    bce = curves[curves["pair"] == "sigmoid + BCE"]
    z = mse["logit"].to_numpy()
    p = sigmoid(z)
    assert np.allclose(mse["gradient"], 2 * (p - 1) * p * (1 - p), atol=1e-14)
    assert np.allclose(mse["loss"], (p - 1) ** 2, atol=1e-14)
    assert np.allclose(bce["gradient"], p - 1, atol=1e-12)
    assert np.allclose(bce["loss"], np.log1p(np.exp(-z)), atol=1e-12)


@pytest.mark.parametrize("classes", [2, 10])
def test_multiclass_loss_gradients_match_hand_formulas(classes):
    curves = sm.multiclass_loss_gradients(classes, -10.0, 10.0, 201)
    ce = curves[curves["pair"] == "softmax + CE"]
    mse = curves[curves["pair"] == "softmax + MSE"]
    z = ce["logit"].to_numpy()
    p_true = np.exp(z) / (np.exp(z) + classes - 1)
    p_other = 1.0 / (np.exp(z) + classes - 1)
    # Cross-entropy: p - onehot on the true logit.
    assert np.allclose(ce["gradient"], p_true - 1, atol=1e-12)
    assert np.allclose(ce["loss"], np.log(np.exp(z) + classes - 1) - z, atol=1e-12)
    # MSE summed over classes: 2 p_y [(p_y - 1) - sum_j (p_j - y_j) p_j].
    weighted_error = (p_true - 1) * p_true + (classes - 1) * p_other**2
    assert np.allclose(mse["gradient"], 2 * p_true * ((p_true - 1) - weighted_error), atol=1e-12)
    assert np.allclose(mse["loss"], (p_true - 1) ** 2 + (classes - 1) * p_other**2, atol=1e-12)
    assert np.allclose(ce["p(true class)"], p_true, atol=1e-14)


def test_mse_saturates_where_cross_entropy_does_not():
    summary = pd.concat(
        [
            sm.loss_gradient_summary(sm.binary_loss_gradients()),
            sm.loss_gradient_summary(sm.multiclass_loss_gradients()),
        ]
    ).set_index("pair")
    for mse, log_loss in [("sigmoid + MSE", "sigmoid + BCE"), ("softmax + MSE", "softmax + CE")]:
        assert abs(summary.loc[mse, "gradient there"]) < 1e-3
        assert summary.loc[log_loss, "gradient there"] < -0.999
        assert summary.loc[log_loss, "at logit"] == -10.0
    assert summary.loc["sigmoid + BCE", "gradient at z = 0"] == pytest.approx(-0.5)
    assert summary.loc["sigmoid + MSE", "gradient at z = 0"] == pytest.approx(-0.25)
    # 2(1-p)^2 p peaks at p = 1/3, i.e. z = -ln 2, with value 8/27.
    assert summary.loc["sigmoid + MSE", "largest |gradient|"] == pytest.approx(8 / 27, abs=1e-3)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: sm.binary_loss_gradients(5.0, -5.0), "z_min must be below"),
        (lambda: sm.binary_loss_gradients(-50.0, 5.0), "z_min"),
        (lambda: sm.binary_loss_gradients(-5.0, 5.0, 1), "points"),
        (lambda: sm.multiclass_loss_gradients(11), "11"),
        (lambda: sm.multiclass_loss_gradients(1), "1"),
        (lambda: sm.nll_with_outputs(2.5), "2.5"),
    ],
)
def test_curve_arguments_are_validated(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


# --- nll_loss with the wrong inputs -----------------------------------------------------------


def test_nll_loss_with_each_output_matches_hand_formulas():
    classes = 5
    curves = sm.nll_with_outputs(classes, -10.0, 10.0, 101)
    z = np.linspace(-10.0, 10.0, 101)
    p_true = np.exp(z) / (np.exp(z) + classes - 1)
    p_other = 1.0 / (np.exp(z) + classes - 1)
    s, t = sigmoid(z), np.tanh(z)
    expected = {
        "log_softmax (correct)": (-np.log(p_true), p_true - 1, p_other),
        "softmax": (-p_true, -p_true * (1 - p_true), p_true * p_other),
        "sigmoid": (-s, -s * (1 - s), 0 * z),
        "tanh": (-t, -(1 - t**2), 0 * z),
        "none (raw logits)": (-z, -1 + 0 * z, 0 * z),
    }
    assert list(dict.fromkeys(curves["output"])) == list(expected)
    for name, (loss, true_gradient, competitor_gradient) in expected.items():
        curve = curves[curves["output"] == name]
        assert np.allclose(curve["loss"], loss, atol=1e-12), name
        assert np.allclose(curve["gradient (true logit)"], true_gradient, atol=1e-12), name
        assert np.allclose(curve["gradient (competing logit)"], competitor_gradient, atol=1e-12), (
            name
        )


def test_nll_summary():
    summary = sm.nll_summary(sm.nll_with_outputs()).set_index("output fed to nll_loss")
    assert summary.loc["log_softmax (correct)", "lowest loss"] > 0
    assert summary.loc["softmax", "highest loss"] <= 0
    assert summary.loc["none (raw logits)", "lowest loss"] == pytest.approx(-10.0)
    assert summary.loc["softmax", "gradient on true logit there"] == pytest.approx(
        -math.exp(-10) / (math.exp(-10) + 9) * (1 - math.exp(-10) / (math.exp(-10) + 9))
    )
    assert summary.loc["log_softmax (correct)", "gradient on a competitor there"] == pytest.approx(
        1 / (math.exp(-10) + 9)
    )
    for name in ["sigmoid", "tanh", "none (raw logits)"]:
        assert summary.loc[name, "gradient on a competitor there"] == 0.0


def test_readable_writes_inf_nan_and_exact_digits():
    table = pd.DataFrame(
        {
            "name": ["a", "b", "c", "d"],
            "value": [math.inf, -math.inf, math.nan, 88.72283172607422],
            "logits": [None, [1.0, math.nan], [0.5], None],
        }
    )
    exact = sm.readable(table, digits=None)
    assert exact["value"].tolist() == ["inf", "-inf", "NaN", "88.72283172607422"]
    assert exact["logits"].tolist() == ["—", "[1.0, NaN]", "[0.5]", "—"]
    assert exact["name"].tolist() == ["a", "b", "c", "d"]
    assert sm.readable(table, digits=4)["value"].iloc[3] == "88.72"
    # "never broke" stays distinct from a NaN result.
    first = sm.readable(sm.first_nonfinite(sm.status_segments()), digits=None)
    assert first["first non-finite scale"].iloc[1] == "—"


# --- what each tab shows, in one call ----------------------------------------------------------


def test_softmax_view_gathers_the_playground_tab():
    logits, temperature = [2.0, 1.0, 0.1, -1.0], 0.7
    view = sm.softmax_view(logits, temperature)
    pd.testing.assert_frame_equal(view.probabilities, sm.probability_table(logits, temperature))
    pd.testing.assert_frame_equal(view.jacobian, sm.jacobian_table(logits, temperature))
    pd.testing.assert_frame_equal(view.sweep, sm.temperature_sweep(logits))
    assert view.max_difference == sm.jacobian_max_difference(logits, temperature)
    assert view.entropy == sm.entropy_nats(logits, temperature)
    assert view.uniform_entropy == pytest.approx(math.log(4), abs=1e-15)
    assert view.largest_probability == pytest.approx(max(reference_softmax(logits, 0.7)))
    with pytest.raises(ValueError, match="temperature"):
        sm.softmax_view(logits, 0.0)


def test_numerics_view_gathers_the_lab_tab():
    view = sm.numerics_view(100.0, -50.0, 1)
    assert view.logits == [50.0, -50.0, -55.0]
    pd.testing.assert_frame_equal(view.comparison, sm.log_softmax_comparison(100.0, -50.0, 1))
    pd.testing.assert_frame_equal(view.cross_entropy, sm.cross_entropy_comparison(100.0, -50.0, 1))
    pd.testing.assert_frame_equal(view.segments, sm.status_segments(-50.0, 1))
    pd.testing.assert_frame_equal(view.first, sm.first_nonfinite(view.segments, -50.0))
    with pytest.raises(ValueError, match="target must be between 0 and 2, got 3"):
        sm.numerics_view(1.0, 0.0, 3)


def test_exp_limits_look_up_one_dtype():
    limits = sm.exp_limits()
    pd.testing.assert_frame_equal(limits.table, sm.exp_limits_table())
    float16 = limits.of("float16")
    assert float16["largest x with finite exp(x)"] == sm.exp_overflow_threshold("float16")
    assert float16["log(finfo.max)"] == pytest.approx(math.log(65504.0))
    with pytest.raises(ValueError, match="dtype must be one of"):
        limits.of("int8")


def test_loss_curves_and_nll_curves_gather_their_tabs():
    losses = sm.loss_curves(3, -5.0, 5.0)
    pd.testing.assert_frame_equal(losses.binary, sm.binary_loss_gradients(-5.0, 5.0))
    pd.testing.assert_frame_equal(losses.multiclass, sm.multiclass_loss_gradients(3, -5.0, 5.0))
    assert losses.summary["pair"].tolist() == [
        "sigmoid + MSE",
        "sigmoid + BCE",
        "softmax + MSE",
        "softmax + CE",
    ]
    assert len(losses.all) == len(losses.binary) + len(losses.multiclass)
    assert set(losses.all["pair"]) == set(losses.summary["pair"])
    nll = sm.nll_curves(4)
    pd.testing.assert_frame_equal(nll.curves, sm.nll_with_outputs(4))
    pd.testing.assert_frame_equal(nll.summary, sm.nll_summary(nll.curves))


def test_log_softmax_formulas_name_every_method():
    assert list(sm.LOG_SOFTMAX_FORMULAS) == list(sm.LOG_SOFTMAX_METHODS)
    x = torch.tensor([[3.0, -1.0, 0.5]], dtype=torch.float64)
    for method, (latex, code) in sm.LOG_SOFTMAX_FORMULAS.items():
        assert latex.startswith(r"\text{") or method == "torch.log_softmax"
        namespace = {"x": x, "torch": torch}
        *statements, expression = code.split("\n")
        for statement in statements:
            exec(statement, namespace)
        result = eval(expression, namespace)
        torch.testing.assert_close(result, sm.LOG_SOFTMAX_METHODS[method](x))


def test_argument_checks_use_one_error_style():
    with pytest.raises(ValueError, match="the number of logits must be between 2 and 10, got 11"):
        sm.softmax(list(range(11)))
    with pytest.raises(ValueError, match=r"scale must be a finite number in \[0, 1000\], got -1"):
        sm.lab_logits(-1.0)
    with pytest.raises(ValueError, match=r"number of classes must be an integer, got 2\.5"):
        sm.nll_with_outputs(2.5)
    with pytest.raises(ValueError, match="points must be between 2 and 100001, got 1"):
        sm.status_segments(points=1)
