"""Measured properties against values derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import activations as A
from actlab import properties as P


def test_sigmoid_and_tanh():
    sigmoid = P.measure("sigmoid")
    assert sigmoid.max_abs_df == pytest.approx(0.25, abs=1e-12)
    assert (sigmoid.minimum, sigmoid.maximum) == (pytest.approx(0.0), pytest.approx(1.0))
    assert sigmoid.bounded_below and sigmoid.bounded_above
    assert sigmoid.f_at_0 == 0.5 and sigmoid.df_at_0 == 0.25
    assert sigmoid.mean_under_normal == pytest.approx(0.5, abs=1e-12)
    assert not sigmoid.zero_centred and sigmoid.monotonic and not sigmoid.monotonic_derivative
    assert sigmoid.saturates == "both sides" and sigmoid.continuity == "C^∞"
    tanh = P.measure("tanh")
    assert tanh.identity_near_0 and tanh.zero_centred and tanh.df_at_0 == 1.0
    assert abs(tanh.mean_under_normal) < 1e-12


def test_relu_family():
    relu = P.measure("relu")
    assert relu.mean_under_normal == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-10)
    assert relu.dead_region == "(-∞, 0)" and relu.continuity == "C^0"
    assert relu.df_at_0 == 0.0 and relu.saturates == "x → -∞"
    assert relu.minimum == 0.0 and relu.maximum == math.inf and relu.argmin is None
    assert not relu.identity_near_0
    leaky = P.measure("leaky_relu", negative_slope=0.2)
    assert leaky.df_at_0 == pytest.approx(0.2) and leaky.dead_region == "none"
    assert leaky.minimum == -math.inf and leaky.saturates == "no"
    # E[leaky(Z)] = (1 - a) / sqrt(2π)
    assert leaky.mean_under_normal == pytest.approx(0.8 / math.sqrt(2 * math.pi), abs=1e-10)


def test_minima_of_smooth_dips():
    silu = P.measure("silu")
    assert silu.minimum == pytest.approx(-0.2785, abs=1e-4)
    assert silu.argmin == pytest.approx(-1.278, abs=1e-3)
    assert not silu.monotonic and silu.df_at_0 == 0.5
    assert P.measure("gelu").argmin == pytest.approx(-0.752, abs=1e-3)
    assert P.measure("hardswish").minimum == pytest.approx(-0.375, abs=1e-12)
    assert P.measure("hardswish").argmin == pytest.approx(-1.5, abs=1e-12)


def test_values_follow_parameters():
    assert P.measure("elu", alpha=1.0).continuity == "C^1"
    assert P.measure("elu", alpha=0.5).continuity == "C^0"
    assert P.measure("elu", alpha=0.5).minimum == pytest.approx(-0.5)
    clipped = P.measure("hardtanh", min_val=-2.0, max_val=3.0)
    assert (clipped.minimum, clipped.maximum) == (-2.0, 3.0)
    assert clipped.dead_region == "(-∞, -2), (3, ∞)"
    assert P.measure("softshrink", lambd=1.5).dead_region == "(-1.5, 1.5)"


def test_continuity_orders():
    assert P.measure("softsign").continuity == "C^1"
    assert P.measure("celu", alpha=0.3).continuity == "C^1"
    assert P.measure("selu").continuity == "C^0"
    assert P.measure("hardshrink").continuity == "discontinuous"
    assert P.measure("threshold").continuity == "discontinuous"
    assert P.measure("mish").continuity == "C^∞"


def test_selu_is_zero_centred_and_threshold_infimum_is_not_an_argmin():
    assert abs(P.measure("selu").mean_under_normal) < 1e-6
    threshold = P.measure("threshold")
    assert threshold.argmin is None and not threshold.monotonic


def test_identity_and_logsigmoid_limits():
    identity = P.measure("identity")
    assert identity.identity_near_0 and identity.saturates == "no"
    assert not identity.bounded_above and not identity.bounded_below
    logsigmoid = P.measure("logsigmoid")
    assert logsigmoid.bounded_above and not logsigmoid.bounded_below
    assert logsigmoid.maximum == pytest.approx(0.0, abs=1e-12)
    assert logsigmoid.f_at_0 == pytest.approx(-math.log(2))
    assert logsigmoid.saturates == "x → +∞"


def test_relative_cost_is_measured_against_relu():
    assert P.relative_cost("relu") == 1.0
    cost = P.relative_cost("mish")
    assert math.isfinite(cost) and cost > 0


def test_property_table_has_a_row_per_selection_with_display_columns():
    table = P.property_table({"relu": {}, "elu": {"alpha": 0.5}})
    assert table["activation"].tolist() == ["ReLU", "ELU"]
    assert list(table.columns) == list(P.COLUMNS.values())
    assert table.loc[1, "min f"] == pytest.approx(-0.5)


def test_unknown_activation_is_a_value_error():
    with pytest.raises(ValueError, match="nope"):
        P.measure("nope")
    assert len(A.names()) == 31


def _normal_mean(f, lo=-12.0, hi=12.0, n=2_400_001):
    """E[f(Z)] by the trapezoid rule in numpy float64: independent of properties' Simpson."""
    x = np.linspace(lo, hi, n)
    return float(np.trapezoid(f(x) * np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi), x))


def test_squared_relu():
    sq = P.measure("relu_squared")
    assert sq.minimum == 0.0 and sq.argmin is None  # attained on all of x ≤ 0: no unique argmin
    assert sq.bounded_below and not sq.bounded_above and sq.maximum == math.inf
    assert sq.monotonic and sq.monotonic_derivative and sq.continuity == "C^1"
    assert sq.mean_under_normal == pytest.approx(0.5, abs=1e-10)  # E[relu(Z)²] = 1/2
    assert sq.dead_region == "(-∞, 0)" and sq.f_at_0 == 0.0 and sq.df_at_0 == 0.0


def test_xielu_is_bounded_below_though_its_left_tail_rises():
    xielu = P.measure("xielu")
    where = math.log(1 - 0.5 / 0.8)  # α_n (eˣ - 1) + β = 0
    assert xielu.bounded_below and not xielu.bounded_above
    assert xielu.minimum == pytest.approx(0.8 * (math.expm1(where) - where) + 0.5 * where, abs=1e-6)
    assert xielu.argmin == pytest.approx(where, abs=1e-3)
    assert not xielu.monotonic and xielu.saturates == "no" and xielu.continuity == "C^0"
    assert xielu.df_at_0 == pytest.approx(-0.3) and abs(xielu.f_at_0) < 1e-6

    def reference(x):
        return np.where(
            x > 0, 0.8 * x**2 + 0.5 * x, 0.8 * (np.expm1(np.minimum(x, -1e-6)) - x) + 0.5 * x
        )

    assert xielu.mean_under_normal == pytest.approx(_normal_mean(reference), abs=1e-7)


def test_snake_is_monotonic_and_its_mean_has_a_closed_form():
    for a in (0.5, 2.0):
        snake = P.measure("snake", a=a)
        assert snake.monotonic and not snake.monotonic_derivative
        assert not snake.bounded_below and not snake.bounded_above and snake.argmin is None
        assert snake.max_abs_df == pytest.approx(2.0, abs=1e-6) and snake.continuity == "C^∞"
        # E[Z + sin²(aZ)/a] = (1 - E[cos 2aZ]) / 2a = (1 - exp(-2a²)) / 2a
        assert snake.mean_under_normal == pytest.approx(
            (1 - math.exp(-2 * a * a)) / (2 * a), abs=1e-10
        )
        assert snake.dead_region == "none" and snake.saturates == "no"


def test_swish_beta_scales_silu_and_smish_dyt_ranges():
    assert P.measure("swish").minimum == pytest.approx(P.measure("silu").minimum, abs=1e-12)
    sharp = P.measure("swish", beta=2.0)
    assert sharp.minimum == pytest.approx(-0.27846454276 / 2, abs=1e-6)
    assert sharp.argmin == pytest.approx(-1.27846454276 / 2, abs=1e-3)
    flat = P.measure("swish", beta=0.0)  # x · σ(0) = x / 2
    assert flat.monotonic and flat.df_at_0 == 0.5 and flat.argmin is None

    smish = P.measure("smish")
    x = np.linspace(-10, 10, 20001)
    u = 1 + 1 / (1 + np.exp(-x))
    f = x * (u**2 - 1) / (u**2 + 1)
    assert smish.minimum == pytest.approx(f.min(), abs=1e-12)
    assert smish.argmin == pytest.approx(x[f.argmin()], abs=1e-12)
    assert smish.bounded_below and not smish.bounded_above and not smish.monotonic
    assert smish.df_at_0 == pytest.approx(1.25 / 3.25) and smish.continuity == "C^∞"

    dyt = P.measure("dyt")
    assert (dyt.minimum, dyt.maximum) == (pytest.approx(-1.0), pytest.approx(1.0))
    assert dyt.max_abs_df == pytest.approx(0.5) and dyt.df_at_0 == 0.5
    assert dyt.zero_centred and dyt.saturates == "both sides" and dyt.monotonic
    assert P.measure("dyt", alpha=2.0).max_abs_df == pytest.approx(2.0)
