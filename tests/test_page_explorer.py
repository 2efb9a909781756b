"""AppTest for app_pages/explorer.py: runs clean, and widgets change what is drawn."""

from __future__ import annotations

import pytest
from apptest_helpers import chart_data, chart_rows, chart_specs, run_page

from actlab import activations, budget

PAGE = "app_pages/explorer.py"


def test_default_view_draws_the_seed_four():
    at = run_page(PAGE)
    assert at.multiselect(key="ex_fns").value == ["relu", "sigmoid", "tanh", "leaky_relu"]
    specs = chart_specs(at)
    assert len(specs) == 3  # f, f', autograd-vs-closed-form
    rows = chart_rows(at, 0, "f")
    assert set(rows["activation"]) == {"ReLU", "Sigmoid", "Tanh", "LeakyReLU"}
    assert "tooltip" in str(specs[0]) and "legend" in str(specs[0])
    properties = at.dataframe[1].value
    assert properties["max |f'|"].tolist()[1] == 0.25
    assert len(at.latex) == 8
    assert at.get("download_button")


def test_multiselect_and_parameter_change_the_chart_data():
    at = run_page(PAGE)
    before = chart_data(at)
    at.multiselect(key="ex_fns").select("elu").run()
    assert not at.exception
    after_select = chart_data(at)
    assert after_select != before
    assert "ELU" in set(chart_rows(at, 0, "f")["activation"])
    at.slider(key="ex_leaky_relu_negative_slope").set_value(0.3).run()
    assert not at.exception
    after_slope = chart_data(at)
    assert after_slope != after_select
    rows = chart_rows(at, 0, "f")
    leaky = rows[(rows["activation"] == "LeakyReLU") & (rows["x"] == -6.0)]
    assert leaky["f"].item() == pytest.approx(-1.8, abs=1e-15)  # 0.3 * -6
    leaky_row = at.dataframe[1].value.set_index("activation").loc["LeakyReLU"]
    assert leaky_row["f'(0) (torch)"] == pytest.approx(0.3)


def test_second_derivative_toggle_and_empty_selection():
    at = run_page(PAGE)
    at.toggle(key="ex_d2").set_value(True).run()
    assert len(chart_specs(at)) == 4
    at.multiselect(key="ex_fns").set_value([]).run()
    assert not at.exception
    assert "Pick at least one" in at.warning[0].value


@pytest.mark.slow  # ~3.5 s: 25 functions at 3201 points, four charts
def test_every_function_at_3201_points_draws_a_thinned_chart_and_says_so():
    names = [activations.display_name(n) for n in activations.names()]
    at = run_page(PAGE, query={"ex_fns": names, "ex_n": "3201", "ex_d2": "true"})
    rows = chart_rows(at, 0, "f")
    assert list(rows.columns) == ["activation", "x", "f"]  # only what the chart draws
    assert len(rows) <= budget.EXPLORER_CHART_ROWS + len(names)
    assert set(rows["activation"]) == set(names)
    x_titles = [str(spec) for spec in chart_specs(at)]
    assert all("of 3,201 points per curve drawn; the CSV has all" in t for t in x_titles)
    assert rows["x"].min() == -6.0 and rows["x"].max() == 6.0  # both ends kept


def test_the_quiz_answer_is_a_lower_bound_on_shrinking_and_names_the_weights_caveat():
    at = run_page(PAGE)
    quiz = at.radio(key="ex_quiz")
    assert quiz.options[0] == "by 4¹⁰ ≈ 10⁶ at least"
    quiz.set_value(quiz.options[0]).run()
    explanation = at.success[0].value
    assert "at most 0.25¹⁰" in explanation and "at least 4¹⁰" in explanation
    assert "no such bound" in explanation  # with weights, a gradient need not shrink
    quiz.set_value(quiz.options[2]).run()
    assert "by 4¹⁰ ≈ 10⁶ at least" in at.warning[-1].value


def test_f_and_its_slope_sit_side_by_side():
    at = run_page(PAGE)
    titled = [c for c in at.main.columns if len(c.subheader)]
    titles = [c.subheader[0].value for c in titled[:2]]
    assert titles[0] == "f(x)" and titles[1].startswith("f′(x)")
    assert len(titled[0].get("vega_lite_chart")) == len(titled[1].get("vega_lite_chart")) == 1
