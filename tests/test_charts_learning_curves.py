"""actlab.charts.learning_curves: one builder for the MNIST, Gradients and Playground curves."""

from __future__ import annotations

import pandas as pd
import pytest

from actlab import training
from actlab.charts.learning_curves import learning_curve_chart
from actlab.playground import PlaygroundConfig, PlaygroundTrainer


def mnist_curves(bands: pd.DataFrame, axis: str, legend: str) -> dict:
    """The MNIST page's call: mean over seeds per activation, min–max band, dashed train loss."""
    chart = learning_curve_chart(
        bands,
        x="epoch",
        y="mean",
        series="activation",
        y_title=axis,
        legend=legend,
        band=("low", "high"),
        dash="metric",
        markers=True,
        zero=False,
    )
    return chart.to_dict()


def long_form(history: pd.DataFrame) -> pd.DataFrame:
    """A playground history as ``epoch, metric, split, value`` rows (missing values left out)."""
    long = history.melt(
        id_vars="epoch",
        value_vars=["train_loss", "test_loss", "train_accuracy", "test_accuracy"],
        var_name="column",
        value_name="value",
    )
    long[["split", "metric"]] = long.pop("column").str.split("_", expand=True)
    return long.dropna(subset=["value"])


def playground_curves(long: pd.DataFrame, metric: str) -> dict:
    """Train and test of one metric against epoch, from ``long_form`` rows."""
    chart = learning_curve_chart(
        long[long["metric"] == metric],
        x="epoch",
        y="value",
        series="split",
        y_title=metric,
        series_title="data",
        legend=f"pg_{metric}_legend",
        height=200,
    )
    return chart.to_dict()


def test_learning_curves_draw_bands_only_for_several_seeds():
    history = pd.DataFrame(
        {
            "step": [10, 10],
            "epoch": [1.0, 1.0],
            "activation": ["ReLU", "ReLU"],
            "seed": [0, 1],
            "test_accuracy": [0.8, 0.9],
        }
    )
    spec = mnist_curves(training.seed_bands(history, ["test_accuracy"]), "acc", "a")
    one_seed = mnist_curves(training.seed_bands(history[:1], ["test_accuracy"]), "acc", "b")
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "point"]
    assert len(one_seed["layer"]) == 2  # no band for a single seed
    assert "legend" in str(spec) and "tooltip" in str(spec)


def test_train_and_test_loss_are_told_apart_by_dash_test_solid():
    history = pd.DataFrame(
        {
            "step": [10, 20],
            "epoch": [1.0, 2.0],
            "activation": ["ReLU", "ReLU"],
            "seed": [0, 0],
            "train_loss": [0.5, 0.4],
            "test_loss": [0.6, 0.5],
        }
    )
    spec = mnist_curves(training.seed_bands(history, ["train_loss", "test_loss"]), "loss", "c")
    dash = spec["layer"][0]["encoding"]["strokeDash"]
    assert dash["scale"] == {"domain": ["test loss", "train loss"], "range": [[1, 0], [5, 4]]}
    one_metric = mnist_curves(training.seed_bands(history, ["test_loss"]), "loss", "d")
    assert "strokeDash" not in one_metric["layer"][0]["encoding"]


def test_playground_loss_chart_carries_the_trainers_fresh_rows():
    trainer = PlaygroundTrainer(PlaygroundConfig(n_points=200))
    trainer.step(5)
    long = long_form(trainer.history)
    loss = playground_curves(long, "loss")
    rows = loss["datasets"][loss["data"]["name"]]
    assert len(rows) == 2 * 6 and {row["metric"] for row in rows} == {"loss"}


def test_learning_curves_show_one_metric():
    trainer = PlaygroundTrainer(PlaygroundConfig(n_points=200))
    trainer.step(2)
    long = long_form(trainer.history)
    accuracy = playground_curves(long, "accuracy")
    rows = accuracy["datasets"][accuracy["data"]["name"]]
    assert {row["metric"] for row in rows} == {"accuracy"} and len(rows) == 2 * 3
    assert pytest.approx(trainer.history["train_accuracy"].tolist()) == [
        row["value"] for row in rows if row["split"] == "train"
    ]


def test_a_redrawn_chart_keeps_its_encoding_and_swaps_its_data():
    first = pd.DataFrame({"run": ["a", "b"], "step": [0, 0], "loss": [2.3, 2.3]})
    later = pd.DataFrame({"run": ["a", "b", "a"], "step": [0, 0, 10], "loss": [2.3, 2.3, 1.0]})
    before = learning_curve_chart(first, y="loss", series="run", legend="l_los").to_dict()
    after = learning_curve_chart(later, y="loss", series="run", legend="l_los").to_dict()
    assert [layer["encoding"] for layer in before["layer"]] == [
        layer["encoding"] for layer in after["layer"]
    ]
    assert len(after["datasets"][after["data"]["name"]]) == 3


def test_gradients_curves_by_run_against_step_leave_out_missing_values_and_can_be_log():
    curves = pd.DataFrame(
        {
            "run": ["ReLU, Kaiming/He normal"] * 3,
            "step": [0, 10, 20],
            "loss": [2.3, 1.2, 0.8],
            "train_loss": [float("nan"), 1.5, 0.9],
        }
    )
    spec = learning_curve_chart(
        curves, y="train_loss", series="run", x_title="training step", title="t", legend="g"
    ).to_dict()
    assert len(spec["datasets"][spec["data"]["name"]]) == 2  # step 0 has no training loss
    line = spec["layer"][0]["encoding"]
    assert (line["x"]["field"], line["y"]["field"], line["color"]["field"]) == (
        "step",
        "train_loss",
        "run",
    )
    assert spec["config"]["legend"]["labelLimit"] == 0  # long run names are never cut
    assert spec["layer"][1]["encoding"]["opacity"] == {"value": 0}  # hover targets only
    log = learning_curve_chart(curves, y="loss", series="run", log_y=True, legend="h").to_dict()
    assert log["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
