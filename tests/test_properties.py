"""Measured properties against values derived by hand."""

from __future__ import annotations

import math

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
    assert len(A.names()) == 25
