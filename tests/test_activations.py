"""The catalogue against independent float64 references written with numpy and math only."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actlab import activations as A

EXPECTED_IDS = (
    "relu leaky_relu prelu rrelu elu selu celu gelu gelu_tanh silu mish softplus softsign "
    "sigmoid logsigmoid hardsigmoid hardswish hardtanh relu6 tanh tanhshrink softshrink "
    "hardshrink threshold relu_squared xielu snake swish smish dyt identity"
).split()
XIELU_EPS = -1e-6  # the reference implementation's clamp (transformers' XIELUActivation)

_erf = np.vectorize(math.erf)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(np.minimum(beta * x, 700))) / beta)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
C = math.sqrt(2 / math.pi)

# name -> (f, f') as numpy float64 formulas, written from the papers, not from the catalogue.
REFERENCE = {
    "relu": (lambda x, p: np.maximum(x, 0), lambda x, p: (x > 0) * 1.0),
    "leaky_relu": (
        lambda x, p: np.where(x > 0, x, p["negative_slope"] * x),
        lambda x, p: np.where(x > 0, 1.0, p["negative_slope"]),
    ),
    "prelu": (
        lambda x, p: np.where(x > 0, x, p["weight"] * x),
        lambda x, p: np.where(x > 0, 1.0, p["weight"]),
    ),
    "rrelu": (
        lambda x, p: np.where(x >= 0, x, (p["lower"] + p["upper"]) / 2 * x),
        lambda x, p: np.where(x > 0, 1.0, (p["lower"] + p["upper"]) / 2),
    ),
    "elu": (
        lambda x, p: np.where(x > 0, x, p["alpha"] * np.expm1(x)),
        lambda x, p: np.where(x > 0, 1.0, p["alpha"] * np.exp(x)),
    ),
    "selu": (
        lambda x, p: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
        lambda x, p: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(x)),
    ),
    "celu": (
        lambda x, p: np.maximum(0, x) + np.minimum(0, p["alpha"] * np.expm1(x / p["alpha"])),
        lambda x, p: np.where(x > 0, 1.0, np.exp(x / p["alpha"])),
    ),
    "gelu": (
        lambda x, p: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
        lambda x, p: (
            0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
        ),
    ),
    "gelu_tanh": (
        lambda x, p: 0.5 * x * (1 + np.tanh(C * (x + 0.044715 * x**3))),
        lambda x, p: (
            0.5 * (1 + np.tanh(C * (x + 0.044715 * x**3)))
            + 0.5 * x / np.cosh(C * (x + 0.044715 * x**3)) ** 2 * C * (1 + 3 * 0.044715 * x**2)
        ),
    ),
    "silu": (lambda x, p: x * _sig(x), lambda x, p: _sig(x) + x * _sig(x) * (1 - _sig(x))),
    "mish": (
        lambda x, p: x * np.tanh(_softplus(x)),
        lambda x, p: np.tanh(_softplus(x)) + x * _sig(x) / np.cosh(_softplus(x)) ** 2,
    ),
    "softplus": (
        lambda x, p: _softplus(x, p["beta"], p["threshold"]),
        lambda x, p: np.where(p["beta"] * x > p["threshold"], 1.0, _sig(p["beta"] * x)),
    ),
    "softsign": (lambda x, p: x / (1 + np.abs(x)), lambda x, p: (1 + np.abs(x)) ** -2.0),
    "sigmoid": (lambda x, p: _sig(x), lambda x, p: _sig(x) * (1 - _sig(x))),
    "logsigmoid": (lambda x, p: -np.logaddexp(0, -x), lambda x, p: _sig(-x)),
    "hardsigmoid": (
        lambda x, p: np.clip(x + 3, 0, 6) / 6,
        lambda x, p: np.where((x > -3) & (x < 3), 1 / 6, 0.0),
    ),
    "hardswish": (
        lambda x, p: x * np.clip(x + 3, 0, 6) / 6,
        lambda x, p: np.where(x <= -3, 0.0, np.where(x < 3, (2 * x + 3) / 6, 1.0)),
    ),
    "hardtanh": (
        lambda x, p: np.clip(x, p["min_val"], p["max_val"]),
        lambda x, p: ((x > p["min_val"]) & (x < p["max_val"])) * 1.0,
    ),
    "relu6": (lambda x, p: np.clip(x, 0, 6), lambda x, p: ((x > 0) & (x < 6)) * 1.0),
    "tanh": (lambda x, p: np.tanh(x), lambda x, p: 1 / np.cosh(x) ** 2),
    "tanhshrink": (lambda x, p: x - np.tanh(x), lambda x, p: np.tanh(x) ** 2),
    "softshrink": (
        lambda x, p: np.sign(x) * np.maximum(np.abs(x) - p["lambd"], 0),
        lambda x, p: (np.abs(x) > p["lambd"]) * 1.0,
    ),
    "hardshrink": (
        lambda x, p: np.where(np.abs(x) > p["lambd"], x, 0.0),
        lambda x, p: (np.abs(x) > p["lambd"]) * 1.0,
    ),
    "threshold": (
        lambda x, p: np.where(x > p["threshold"], x, p["value"]),
        lambda x, p: (x > p["threshold"]) * 1.0,
    ),
    "identity": (lambda x, p: x, lambda x, p: np.ones_like(x)),
    # The 2026 additions, from their papers and reference code.
    "relu_squared": (lambda x, p: np.maximum(x, 0) ** 2, lambda x, p: 2 * np.maximum(x, 0)),
    "xielu": (
        lambda x, p: np.where(
            x > 0,
            p["alpha_p"] * x**2 + p["beta"] * x,
            p["alpha_n"] * (np.expm1(np.minimum(x, XIELU_EPS)) - x) + p["beta"] * x,
        ),
        lambda x, p: np.where(
            x > 0,
            2 * p["alpha_p"] * x + p["beta"],
            np.where(
                x <= XIELU_EPS,
                p["alpha_n"] * (np.exp(x) - 1) + p["beta"],
                p["beta"] - p["alpha_n"],  # expm1(min(x, ε)) is constant on (ε, 0]
            ),
        ),
    ),
    "snake": (
        lambda x, p: x + np.sin(p["a"] * x) ** 2 / p["a"],
        lambda x, p: 1 + 2 * np.sin(p["a"] * x) * np.cos(p["a"] * x),
    ),
    "swish": (
        lambda x, p: x / (1 + np.exp(-p["beta"] * x)),
        lambda x, p: _sig(p["beta"] * x) * (1 + p["beta"] * x * (1 - _sig(p["beta"] * x))),
    ),
    # tanh(ln u) = (u² - 1) / (u² + 1) with u = 1 + σ(x); d/du of that is 4u / (u² + 1)².
    "smish": (
        lambda x, p: x * ((1 + _sig(x)) ** 2 - 1) / ((1 + _sig(x)) ** 2 + 1),
        lambda x, p: (
            ((1 + _sig(x)) ** 2 - 1) / ((1 + _sig(x)) ** 2 + 1)
            + x * 4 * (1 + _sig(x)) / ((1 + _sig(x)) ** 2 + 1) ** 2 * _sig(x) * (1 - _sig(x))
        ),
    ),
    "dyt": (
        lambda x, p: np.tanh(p["alpha"] * x),
        lambda x, p: p["alpha"] / np.cosh(p["alpha"] * x) ** 2,
    ),
}

X = np.linspace(-8, 8, 1601)


def parameter_grid(name: str) -> list[dict[str, float]]:
    """Defaults plus each parameter at its low end, high end and a value in between."""
    entry = A.get(name)
    grid = [entry.defaults()]
    for spec in entry.params:
        for value in (spec.low, spec.high, spec.low + 0.37 * (spec.high - spec.low)):
            candidate = entry.defaults() | {spec.name: value}
            try:
                A.resolve_params(name, candidate)
            except ValueError:
                continue  # e.g. hardtanh min_val at its top end would exceed max_val
            grid.append(candidate)
    return grid


def away_from_kinks(name: str, params: dict[str, float], x: np.ndarray) -> np.ndarray:
    mask = np.ones_like(x, dtype=bool)
    for point in A.get(name).breakpoints(A.resolve_params(name, params)):
        mask &= np.abs(x - point) > 1e-6
    return mask


def test_names_are_the_torch_catalogue_in_order():
    assert A.names() == EXPECTED_IDS
    assert set(REFERENCE) == set(EXPECTED_IDS)


@pytest.mark.parametrize("name", EXPECTED_IDS)
def test_entry_has_every_column(name):
    entry = A.get(name)
    for text in (entry.display_name, entry.torch_call, entry.latex_f, entry.latex_df):
        assert text.strip()
    assert len(entry.description) > 20 and len(entry.origin) > 10
    for spec in entry.params:
        assert spec.low <= spec.default <= spec.high and spec.step > 0


@pytest.mark.parametrize("name", EXPECTED_IDS)
def test_f_and_derivatives_match_independent_float64_references(name):
    reference_f, reference_df = REFERENCE[name]
    for params in parameter_grid(name):
        table = A.evaluate(name, X, **params)
        np.testing.assert_allclose(table["f"], reference_f(X, params), rtol=1e-12, atol=1e-12)
        mask = away_from_kinks(name, params, X)
        expected_df = reference_df(X, params)
        np.testing.assert_allclose(table["df_exact"][mask], expected_df[mask], atol=1e-12)
        # hardsigmoid's torch backward multiplies by the float32 constant 1/6 (see next test).
        tolerance = 1e-8 if name == "hardsigmoid" else 1e-10
        np.testing.assert_allclose(table["df"][mask], table["df_exact"][mask], atol=tolerance)


def test_hardsigmoid_autograd_uses_a_float32_one_sixth():
    table = A.evaluate("hardsigmoid", [0.0])
    assert table["df"][0] == pytest.approx(float(np.float32(1 / 6)), abs=0)
    assert abs(table["df"][0] - 1 / 6) == pytest.approx(4.967e-9, rel=1e-3)


def test_kink_values_follow_torch_conventions():
    at = {name: A.evaluate(name, [0.0]) for name in ("relu", "leaky_relu", "elu", "relu6")}
    assert at["relu"]["df"][0] == 0.0 and at["relu"]["df_exact"][0] == 0.0
    assert at["leaky_relu"]["df"][0] == pytest.approx(0.01)
    assert at["elu"]["df"][0] == 1.0
    assert at["relu6"]["df"][0] == 0.0
    edges = A.evaluate("hardswish", [-3.0, 3.0])
    assert edges["df"].tolist() == edges["df_exact"].tolist() == [0.0, 1.0]


def test_known_values():
    x = np.linspace(-5, 5, 100001)
    sigmoid = A.evaluate("sigmoid", x)
    assert sigmoid["df"].max() == pytest.approx(0.25, abs=1e-15)
    assert x[sigmoid["df"].argmax()] == pytest.approx(0.0, abs=1e-12)
    assert A.evaluate("tanh", [0.0])["df"][0] == 1.0
    # Minima of the smooth non-monotonic functions (published values).
    for name, value, where in [
        ("silu", -0.27846454276, -1.27846454276),
        ("mish", -0.30884, -1.19237),
        ("gelu", -0.16997, -0.75179),
    ]:
        f = A.evaluate(name, x)["f"]
        assert f.min() == pytest.approx(value, abs=5e-5)
        assert x[f.argmin()] == pytest.approx(where, abs=1e-3)
    selu = A.evaluate("selu", [1.0, -50.0])
    assert selu["f"][0] == pytest.approx(1.0507009873554805, abs=1e-15)
    assert selu["f"][1] == pytest.approx(-SELU_SCALE * SELU_ALPHA, abs=1e-12)  # = -1.7581
    assert SELU_SCALE * SELU_ALPHA == pytest.approx(1.7580993408473766)


def test_gelu_text_names_phi_as_a_probability_and_not_the_transformer_default():
    gelu = A.get("gelu")
    assert "Φ(x) = P(Z ≤ x)" in gelu.description and "at most x" in gelu.description
    assert "Transformer default" not in gelu.description
    assert "probability that it is positive" not in gelu.description
    assert "BERT" in gelu.description and "original Transformer used ReLU" in gelu.description
    # Φ really is P(Z ≤ x): GELU(x) / x at x = 1 is the normal CDF at 1, 0.8413447.
    assert A.apply("gelu", torch.tensor([1.0], dtype=torch.float64)).item() == pytest.approx(
        0.8413447460685429, abs=1e-15
    )


def test_xielu_at_zero_and_at_its_clamp_follows_the_reference_code():
    p = {"alpha_p": 0.8, "alpha_n": 0.8, "beta": 0.5}
    at = A.evaluate("xielu", [0.0, 1e-9, -1e-7, -1e-5, 1.0])
    # x = 0 takes the x ≤ 0 branch with the exponent clamped at ε: slope β - α_n there.
    assert at["f"][0] == pytest.approx(0.8 * math.expm1(XIELU_EPS), abs=1e-18)
    assert at["df"][0] == at["df_exact"][0] == pytest.approx(0.5 - 0.8, abs=1e-15)
    assert at["df"][1] == pytest.approx(0.5, abs=1e-8)  # right of 0: 2 α_p x + β
    assert at["df"][2] == pytest.approx(-0.3, abs=1e-15)  # inside (ε, 0]
    assert at["df"][3] == pytest.approx(0.8 * math.expm1(-1e-5) + 0.5, abs=1e-15)
    assert at["f"][4] == 0.8 + 0.5 and at["df"][4] == pytest.approx(2 * 0.8 + 0.5)
    assert at["d2f"][4] == pytest.approx(1.6)  # 2 α_p
    assert A.get("xielu").defaults() == p
    # The minimum, where α_n (eˣ - 1) + β = 0: x* = ln(1 - β/α_n).
    where = math.log(1 - 0.5 / 0.8)
    x = np.linspace(-3, 1, 400001)
    f = A.evaluate("xielu", x)["f"]
    assert x[f.argmin()] == pytest.approx(where, abs=2e-5)
    assert f.min() == pytest.approx(0.8 * (math.expm1(where) - where) + 0.5 * where, abs=1e-12)
    with pytest.raises(ValueError, match="alpha_n > beta"):
        A.evaluate("xielu", [0.0], alpha_n=0.5, beta=0.5)


def test_squared_relu_kink_is_in_the_second_derivative():
    at = A.evaluate("relu_squared", [-1.0, 0.0, 1e-3, 2.0])
    assert at["f"].tolist() == [0.0, 0.0, pytest.approx(1e-6), 4.0]
    assert at["df"].tolist() == [0.0, 0.0, pytest.approx(2e-3), 4.0]
    assert at["d2f"].tolist() == [0.0, 0.0, 2.0, 2.0]


def test_snake_swish_smish_dyt_at_zero_and_their_known_values():
    zero = {n: A.evaluate(n, [0.0]) for n in ("snake", "swish", "smish", "dyt")}
    assert [zero[n]["f"][0] for n in zero] == [0.0, 0.0, 0.0, 0.0]
    assert zero["snake"]["df"][0] == 1.0 and zero["swish"]["df"][0] == 0.5
    assert zero["smish"]["df"][0] == pytest.approx(1.25 / 3.25, abs=1e-15)  # tanh(ln 1.5)
    assert zero["dyt"]["df"][0] == 0.5  # α = 0.5, the paper's initial value
    assert A.get("snake").defaults() == {"a": 0.5} and A.get("dyt").defaults() == {"alpha": 0.5}
    # Snake is monotonic with f' = 0 exactly where sin(2ax) = -1: x = -π/(4a).
    snake = A.evaluate("snake", [-math.pi / 2], a=0.5)
    assert snake["df"][0] == pytest.approx(0.0, abs=1e-15)
    # Swish with β = 1 is SiLU; with β = 2 it is SiLU(2x)/2, so its dip halves.
    x = np.linspace(-4, 4, 801)
    np.testing.assert_allclose(A.evaluate("swish", x)["f"], A.evaluate("silu", x)["f"], atol=1e-15)
    dense = np.linspace(-3, 0, 300001)
    swish2 = A.evaluate("swish", dense, beta=2.0)["f"]
    assert swish2.min() == pytest.approx(-0.27846454276 / 2, abs=1e-9)
    assert dense[swish2.argmin()] == pytest.approx(-1.27846454276 / 2, abs=1e-5)
    # Smish: its dip (numpy float64, independent closed form) and its slope tanh(ln 2) = 0.6.
    u = 1 + _sig(dense)
    smish = dense * (u**2 - 1) / (u**2 + 1)
    got = A.evaluate("smish", dense)["f"]
    assert got.min() == pytest.approx(smish.min(), abs=1e-15)
    assert dense[got.argmin()] == dense[smish.argmin()]
    assert A.evaluate("smish", [1e3])["df"][0] == pytest.approx(0.6, abs=1e-12)


def test_softplus_switches_to_identity_past_the_threshold():
    table = A.evaluate("softplus", [19.0, 20.5], beta=1.0, threshold=20.0)
    assert table["f"][0] == pytest.approx(math.log1p(math.exp(19.0)), abs=1e-14)
    assert table["f"][0] != 19.0
    assert table["f"][1] == 20.5 and table["df"][1] == 1.0
    sharp = A.evaluate("softplus", [4.9, 5.1], beta=2.0, threshold=10.0)
    assert sharp["f"][0] == pytest.approx(math.log1p(math.exp(9.8)) / 2, abs=1e-14)
    assert sharp["f"][1] == 5.1


def test_second_derivatives_by_autograd():
    x = np.linspace(-4, 4, 81)
    s = _sig(x)
    np.testing.assert_allclose(
        A.evaluate("sigmoid", x)["d2f"], s * (1 - s) * (1 - 2 * s), atol=1e-14
    )
    t = np.tanh(x)
    np.testing.assert_allclose(A.evaluate("tanh", x)["d2f"], -2 * t * (1 - t**2), atol=1e-14)
    assert (A.evaluate("relu", x)["d2f"] == 0).all()
    hard = A.evaluate("hardswish", [0.0, 1.0, 5.0])["d2f"]
    np.testing.assert_allclose(hard, [1 / 3, 1 / 3, 0.0], atol=1e-15)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_evaluate_keeps_the_dtype_of_x(dtype):
    table = A.evaluate("gelu", torch.linspace(-3, 3, 7, dtype=dtype))
    expected = np.float32 if dtype == torch.float32 else np.float64
    assert all(table[c].dtype == expected for c in ["x", "f", "df", "df_exact", "d2f"])
    assert list(table.columns) == ["x", "f", "df", "df_exact", "d2f"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: A.evaluate("relux", [0.0]), "relux"),
        (lambda: A.evaluate("elu", [0.0], alpha=7.0), "alpha=7"),
        (lambda: A.evaluate("elu", [0.0], alpha=float("nan")), "nan"),
        (lambda: A.evaluate("softplus", [0.0], beta=float("inf")), "inf"),
        (lambda: A.evaluate("relu", [0.0], slope=0.1), "slope"),
        (lambda: A.evaluate("elu", [0.0], alpha="big"), "big"),
        (lambda: A.evaluate("relu", []), "empty"),
        (lambda: A.evaluate("relu", [0.0, float("nan")]), "nan"),
        (lambda: A.evaluate("relu", [float("-inf")]), "-inf"),
        (lambda: A.evaluate("rrelu", [0.0], lower=0.5, upper=0.2), "lower=0.5"),
        (lambda: A.evaluate("hardtanh", [0.0], min_val=2.0, max_val=1.0), "min_val=2"),
        (lambda: A.apply("celu", torch.zeros(3), alpha=0.0), "alpha=0"),
        (lambda: A.module("softshrink", lambd=-1.0), "lambd=-1"),
    ],
)
def test_bad_input_raises_value_error_naming_the_value(call, message):
    with pytest.raises(ValueError, match=message.replace("+", r"\+")):
        call()


def test_module_and_function_match_apply():
    x = torch.linspace(-3, 3, 13)
    expected = A.apply("elu", x, alpha=0.5)
    assert torch.equal(A.module("elu", alpha=0.5)(x), expected)
    assert torch.equal(A.function("elu", alpha=0.5)(x), expected)
    assert "alpha=0.5" in repr(A.module("elu", alpha=0.5))


@st.composite
def activation_with_params(draw):
    name = draw(st.sampled_from(EXPECTED_IDS))
    params = {
        spec.name: draw(st.floats(spec.low, spec.high, allow_nan=False))
        for spec in A.get(name).params
    }
    return name, params


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    activation_with_params(),
    st.floats(-50, 50),
    st.floats(0.01, 50),
    st.integers(1, 300),
)
def test_random_parameters_and_ranges_never_crash_or_nan(case, start, width, points):
    name, params = case
    try:
        A.resolve_params(name, params)
    except ValueError:
        # Only the joint constraints (rrelu lower ≤ upper, hardtanh min < max, xielu
        # alpha_n > beta) may refuse.
        assert name in {"rrelu", "hardtanh", "xielu"}
        return
    table = A.evaluate(name, np.linspace(start, start + width, points), **params)
    assert np.isfinite(table.to_numpy()).all()


@settings(max_examples=200, deadline=None)
@given(activation_with_params(), st.data())
def test_parameters_outside_their_range_raise(case, data):
    name, params = case
    if not params:
        return
    spec = data.draw(st.sampled_from(A.get(name).params))
    bad = data.draw(
        st.one_of(
            st.floats(max_value=spec.low, exclude_max=True, allow_nan=False),
            st.floats(min_value=spec.high, exclude_min=True, allow_nan=False),
            st.just(float("nan")),
        )
    )
    with pytest.raises(ValueError, match=spec.name):
        A.evaluate(name, [0.0, 1.0], **(params | {spec.name: bad}))
