"""actlab.gated: g(a, b) = φ(a)·b against float64 closed forms written with numpy and math."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actlab import activations, gated

_erf = np.vectorize(math.erf)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# φ and φ' of each unit, from the papers (Dauphin et al. 2017; Shazeer 2020).
GATES = {
    "glu": (_sig, lambda a: _sig(a) * (1 - _sig(a))),
    "reglu": (lambda a: np.maximum(a, 0), lambda a: (a > 0) * 1.0),
    "geglu": (
        lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))),
        lambda a: (
            0.5 * (1 + _erf(a / math.sqrt(2))) + a * np.exp(-(a**2) / 2) / math.sqrt(2 * math.pi)
        ),
    ),
    "swiglu": (lambda a: a * _sig(a), lambda a: _sig(a) * (1 + a * (1 - _sig(a)))),
}


def test_the_four_units_in_order_with_their_gates():
    assert gated.names() == ["glu", "reglu", "geglu", "swiglu"]
    assert [gated.get(n).gate for n in gated.names()] == ["sigmoid", "relu", "gelu", "silu"]
    assert gated.by_display_name("SwiGLU") == "swiglu" and gated.by_display_name("SiLU") is None
    with pytest.raises(ValueError, match="swish_glu"):
        gated.get("swish_glu")


@pytest.mark.parametrize("name", list(GATES))
def test_value_and_both_partials_match_closed_forms_and_autograd(name):
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(-6, 6, 500), [0.0, -1e-9, 1e-9]])
    b = np.concatenate([rng.uniform(-6, 6, 500), [1.0, -2.0, 3.0]])
    phi, dphi = GATES[name]
    at, bt = torch.tensor(a), torch.tensor(b)
    np.testing.assert_allclose(gated.value(name, at, bt).numpy(), phi(a) * b, atol=1e-12)
    dg_da, dg_db = gated.partials(name, at, bt)
    np.testing.assert_allclose(dg_da.numpy(), dphi(a) * b, atol=1e-12)
    np.testing.assert_allclose(dg_db.numpy(), phi(a), atol=1e-12)
    # autograd of g agrees with the hand-written partials (away from ReLU's kink at a = 0)
    ag, bg = at.clone().requires_grad_(True), bt.clone().requires_grad_(True)
    grad_a, grad_b = torch.autograd.grad(gated.value(name, ag, bg).sum(), (ag, bg))
    smooth = np.abs(a) > 1e-6
    np.testing.assert_allclose(grad_a.numpy()[smooth], dg_da.numpy()[smooth], atol=1e-12)
    np.testing.assert_allclose(grad_b.numpy(), dg_db.numpy(), atol=1e-15)


def test_the_diagonal_is_silu_squared_relu_and_x_squared_sigmoid():
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    xn = x.numpy()
    # GLU on a = b is SiLU exactly; ReGLU is Squared ReLU (x² for x > 0, 0 for x ≤ 0).
    torch.testing.assert_close(gated.value("glu", x, x), activations.apply("silu", x))
    torch.testing.assert_close(gated.value("reglu", x, x), activations.apply("relu_squared", x))
    np.testing.assert_allclose(gated.value("swiglu", x, x).numpy(), xn**2 * _sig(xn), atol=1e-12)
    np.testing.assert_allclose(
        gated.value("geglu", x, x).numpy(), xn**2 * 0.5 * (1 + _erf(xn / math.sqrt(2))), atol=1e-12
    )
    # ... and SwiGLU on a = b is not SiLU: the one-input mistake.
    assert (gated.value("swiglu", x, x) - activations.apply("silu", x)).abs().max() > 20


@pytest.mark.parametrize("name", list(GATES))
def test_view_holds_the_plane_slices_and_a_checked_diagonal(name):
    view = gated.gated_view(name, a0=-1.5, b0=2.0, extent=3.0, points=31)
    assert len(view.plane) == 31 * 31 and view.diagonal_check < 1e-12
    phi, dphi = GATES[name]
    plane = view.plane
    np.testing.assert_allclose(plane["g"], phi(plane["a"]) * plane["b"], atol=1e-12)
    np.testing.assert_allclose(plane["dg_db"], phi(plane["a"]), atol=1e-12)
    # a fixed: g is the straight line φ(a0)·b; b fixed: g = φ(a)·b0
    np.testing.assert_allclose(view.slice_a["g"], phi(-1.5) * view.slice_a["b"], atol=1e-12)
    np.testing.assert_allclose(view.slice_a["dg_db"], phi(-1.5), atol=1e-12)
    np.testing.assert_allclose(view.slice_b["g"], phi(view.slice_b["a"]) * 2.0, atol=1e-12)
    np.testing.assert_allclose(view.slice_b["dg_da"], dphi(view.slice_b["a"]) * 2.0, atol=1e-12)
    assert set(view.contours["field"]) <= set(gated.FIELDS)
    unit = gated.get(name).display_name
    assert f"{unit} · on a = b" in set(view.diagonal["series"])


def test_contours_lie_on_their_level():
    view = gated.gated_view("swiglu", extent=4.0, points=81)
    lines = view.contours[view.contours["field"] == "g"]
    assert 0.0 in set(lines["level"])  # g = 0 on b = 0 and at a = 0
    for column_a, column_b in (("a", "b"), ("a2", "b2")):
        a, b = lines[column_a].to_numpy(), lines[column_b].to_numpy()
        on_line = GATES["swiglu"][0](a) * b
        # interpolated along a cell edge of width 0.1: within the curvature over one cell
        assert np.abs(on_line - lines["level"].to_numpy()).max() < 0.1


def test_nice_contour_levels():
    assert gated._nice_levels(-10, 10) == [-8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]
    assert gated._nice_levels(0, 1) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert gated._nice_levels(1, 1) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extent": 100.0}, "extent"),
        ({"points": 10_000}, "points"),
        ({"a0": float("nan")}, "a0"),
        ({"b0": float("inf")}, "b0"),
    ],
)
def test_bad_view_arguments_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gated.gated_view("glu", **kwargs)


def test_one_input_mistake_text_names_the_diagonal_and_the_gate():
    text = gated.one_input_mistake("swiglu")
    assert "x²σ(x), not SiLU" in text and "SiLU" in text and "x·sigmoid(x)" in text
    assert "Squared ReLU" in gated.one_input_mistake("reglu")


def test_parameter_counts():
    assert gated.parameters_plain(784, 128, 10) == 784 * 128 + 128 + 128 * 10 + 10
    assert gated.parameters_gated(784, 64, 10) == 2 * (784 * 64 + 64) + 64 * 10 + 10
