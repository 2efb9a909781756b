"""A typed formula is a first-class activation: evaluated, measured, plotted, trained."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from apptest_helpers import app_path, chart_rows
from streamlit.testing.v1 import AppTest

from actlab import activations as A
from actlab import explorer, properties

SWISH = "x * sigmoid(beta * x)"


def test_custom_id_is_validated_and_carries_parameters():
    name = A.custom_id(SWISH)
    assert A.is_custom(name) and name.startswith(A.CUSTOM_PREFIX)
    entry = A.get(name)
    assert [p.name for p in entry.params] == ["beta"]
    assert entry.derivative is None and entry.latex_f == ""
    with pytest.raises(ValueError, match="__import__"):
        A.custom_id("__import__('os')")


def test_custom_swish_with_beta_1_is_silu_by_autograd():
    x = np.linspace(-6, 6, 241)
    custom = A.evaluate(A.custom_id(SWISH), x, beta=1.0)
    silu = A.evaluate("silu", x)
    np.testing.assert_allclose(custom["f"], silu["f"], atol=1e-15)
    np.testing.assert_allclose(custom["df"], silu["df_exact"], atol=1e-14)
    np.testing.assert_allclose(custom["d2f"], silu["d2f"], atol=1e-13)
    assert custom["df_exact"].isna().all()  # no closed form for typed formulas
    # beta = 1.702 is the sigmoid approximation of GELU
    approx = A.evaluate(A.custom_id(SWISH), x, beta=1.702)["f"]
    assert np.abs(approx - A.evaluate("gelu", x)["f"]).max() < 0.03


def test_custom_parameters_are_range_checked():
    with pytest.raises(ValueError, match="beta=50"):
        A.evaluate(A.custom_id(SWISH), [0.0], beta=50.0)
    with pytest.raises(ValueError, match="gamma"):
        A.evaluate(A.custom_id(SWISH), [0.0], gamma=1.0)


def test_custom_properties_are_measured_too():
    measured = properties.measure(A.custom_id("where(x > 0, x, 0.2 * x)"))
    assert measured.df_at_0 == pytest.approx(0.2)
    assert measured.continuity == "unknown (no closed form)"
    assert measured.mean_under_normal == pytest.approx(0.8 / math.sqrt(2 * math.pi), abs=1e-10)


def test_custom_module_trains_like_any_activation():
    layer = torch.nn.Sequential(torch.nn.Linear(3, 4), A.module(A.custom_id("sin(x)")))
    out = layer(torch.ones(2, 3))
    out.sum().backward()
    assert layer[0].weight.grad is not None and torch.isfinite(layer[0].weight.grad).all()


def test_undefined_points_are_counted_and_left_out():
    table = explorer.curves({A.custom_id("log(x)"): {}, "relu": {}}, -1, 1, 21)
    finite, undefined = explorer.split_undefined(table)
    assert undefined["points"].tolist() == [11]  # x <= 0 (log 0 = -inf)
    assert np.isfinite(finite[["f", "df"]].to_numpy()).all()
    check = explorer.derivative_check({A.custom_id("log(x)"): {}}, finite)
    assert "autograd only" in check.iloc[0, -1]


def test_explorer_page_draws_a_formula_from_the_link():
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=120)
    at.query_params["fx"] = SWISH  # as in a shared link: set before the session's first run
    at.run()
    at.switch_page("app_pages/explorer.py")
    at.query_params["ex_fx_beta"] = "2"
    at.run()
    assert not at.exception
    rows = chart_rows(at, 0, "f")
    custom = rows[rows["activation"] == f"Custom: {SWISH}"]
    assert len(custom) == 801
    x = custom["x"].to_numpy()
    np.testing.assert_allclose(custom["f"], x / (1 + np.exp(-2 * x)), atol=1e-12)


def test_a_bad_formula_is_a_message_not_a_traceback():
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=120)
    at.query_params["fx"] = "x.__class__"
    at.run()
    at.switch_page("app_pages/explorer.py")
    at.run()
    assert not at.exception
    assert any("attribute" in e.value.lower() for e in at.error)
    assert "Custom" not in " ".join(chart_rows(at, 0, "f")["activation"].unique())


def test_a_formula_without_x_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"does not use x.*write x, not X"):
        A.custom_id("X*2")
    with pytest.raises(ValueError, match="does not use x"):
        A.custom_id("2")


def test_a_huge_constant_becomes_infinity_in_float32_not_an_error():
    f = A.function(A.custom_id("x * 1e100"))
    assert torch.isinf(f(torch.ones(3))).all()
    assert torch.isfinite(f(torch.ones(3, dtype=torch.float64))).all()


def test_a_refused_formula_is_named_on_the_page_not_only_in_the_sidebar():
    """Presenter mode folds the sidebar away: the lecturer must still see why."""
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=120)
    at.query_params["fx"] = "X*2"
    at.run()
    at.switch_page("app_pages/softmax.py")
    at.run()
    assert not at.exception
    on_page = [e.value for e in at.main.error]
    assert any("not in the lists" in text and "not X" in text for text in on_page), on_page


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "key", "link"),
    [
        ("app_pages/nonlinearity.py", "nl_mid", {}),
        ("app_pages/nonlinearity.py", "nl_fit", {}),
        ("app_pages/gradients.py", "gr_act", {}),
        ("app_pages/gradients.py", "gr_pairs", {"gr_tab": "Does it learn?"}),
        ("app_pages/playground.py", "pg_act", {}),
        ("app_pages/mnist.py", "mn_act", {}),
    ],
)
def test_the_typed_formula_is_offered_by_every_activation_selector(page, key, link):
    formula = "where(x > 0, x, 0.2 * x)"
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=120)
    at.query_params["fx"] = formula
    for name, value in link.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    widgets = [w for w in at.get("selectbox") + at.get("multiselect") if w.key == key]
    assert widgets, (page, key)
    assert any(formula in option for option in widgets[0].options), widgets[0].options[-3:]


def test_the_typed_formula_goes_in_between_the_two_layers():
    formula = "where(x > 0, x, 0.2 * x)"
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=120)
    at.query_params["fx"] = formula
    at.run()
    at.switch_page("app_pages/nonlinearity.py")
    at.run()
    at.selectbox(key="nl_mid").set_value(A.custom_id(formula)).run()
    assert not at.exception
    assert any(formula in latex.value for latex in at.latex)
