"""AppTest for app_pages/playground.py: play, pause, step, reset, divergence and the linear note.

AppTest runs the live fragment once per ``at.run()``, so each run while playing is one refresh.
"""

from __future__ import annotations

from apptest_helpers import chart_rows, chart_specs, run_page, set_widgets
from streamlit.testing.v1 import AppTest

from actlab.playground import PlaygroundConfig, PlaygroundTrainer

PAGE = "app_pages/playground.py"
SMALL = {"pg_n": 100}


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def epoch(at: AppTest) -> int:
    return int(metric(at, "epoch").replace(",", ""))


def test_default_view_shows_the_untrained_network():
    at = run_page(PAGE)
    assert epoch(at) == 0
    trainer = PlaygroundTrainer(PlaygroundConfig())
    assert metric(at, "train loss") == f"{trainer.latest['train_loss']:.4f}"
    specs = chart_specs(at)
    assert len(specs) == 3  # decision surface, loss, accuracy
    assert '"rect"' in str(specs[0]).replace("'", '"')
    surface = chart_rows(at, 0, "p")
    assert len(surface) == 1600
    assert at.button(key="pg_play")
    assert not at.warning  # tanh can bend: no linear note
    assert len(at.latex) == 2


def test_play_pause_step_and_reset():
    at = set_widgets(run_page(PAGE), SMALL)
    at.button(key="pg_play").click().run()
    assert not at.exception
    first = epoch(at)
    assert first >= 1
    at.run()  # one live refresh
    second = epoch(at)
    assert second > first
    at.button(key="pg_pause").click().run()
    paused = epoch(at)
    at.run()
    assert epoch(at) == paused
    at.button(key="pg_step").click().run()
    assert epoch(at) == paused + 1
    at.run()
    assert epoch(at) == paused + 1  # stepping pauses
    history = chart_rows(at, 1, "value")
    assert history["epoch"].max() == paused + 1
    at.button(key="pg_reset").click().run()
    assert epoch(at) == 0


def test_learning_rate_changes_live_but_activation_restarts():
    at = set_widgets(run_page(PAGE), SMALL)
    at.button(key="pg_step").click().run()
    at.button(key="pg_step").click().run()
    assert epoch(at) == 2
    at.select_slider(key="pg_lr").set_value(0.1).run()
    assert epoch(at) == 2
    at.selectbox(key="pg_act").set_value("relu").run()
    assert epoch(at) == 0


def test_linear_network_on_xor_is_called_out():
    at = set_widgets(run_page(PAGE), SMALL | {"pg_ds": "xor", "pg_act": "linear"})
    assert "cannot be split by one line" in at.warning[0].value
    at = set_widgets(at, {"pg_act": "relu", "pg_layers": 0})
    assert "no hidden layer" in at.warning[0].value


def test_divergence_stops_with_a_message_not_a_traceback():
    at = set_widgets(
        run_page(PAGE), SMALL | {"pg_ds": "sin", "pg_opt": "sgd", "pg_lr": 10.0, "pg_bs": 8}
    )
    at.button(key="pg_play").click().run()
    assert not at.exception
    assert "Training diverged" in at.error[0].value
    assert "learning rate 10" in at.error[0].value
    assert at.button(key="pg_play").disabled
    assert at.button(key="pg_step").disabled
    at.button(key="pg_reset").click().run()
    assert not at.error and epoch(at) == 0


def test_regression_mode_draws_the_fitted_curve():
    at = set_widgets(run_page(PAGE), SMALL | {"pg_ds": "square"})
    assert len(chart_specs(at)) == 2  # fit and loss; no accuracy for regression
    assert "prediction" in chart_rows(at, 0, "prediction").columns
    assert not any(m.label == "train accuracy" for m in at.metric)
    assert any("(\\hat y_i - y_i)^2" in latex.value for latex in at.latex)
