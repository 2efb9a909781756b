"""actlab.training.results: the summary table, seed bands, confusion matrix and mistakes agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mnist_fixtures import small

from actlab import training


def test_results_table_confusion_matrix_and_mistakes_agree():
    result = training.train(small(activations=("relu", "sigmoid"), seeds=(0, 1)))
    table = training.summary_table(result).set_index("activation")
    last = result.history.groupby(["activation", "seed"]).tail(1).set_index(["activation", "seed"])
    for title in ("ReLU", "Sigmoid"):
        accuracies = last.loc[title, "test_accuracy"]
        assert table.loc[title, "test accuracy"] == pytest.approx(accuracies.mean())
        assert table.loc[title, "min"] == accuracies.min()
        assert table.loc[title, "max"] == accuracies.max()
        counts = training.confusion_matrix(result, title)
        diagonal = counts[counts["true"] == counts["predicted"]]["count"].sum()
        assert diagonal / 10000 == pytest.approx(accuracies.loc[0])  # first seed's model
        shares = counts.groupby("true")["share"].sum()
        np.testing.assert_allclose(shares, 1.0)
        wrong = training.misclassified(result, title, limit=10)
        assert len(wrong) == 10 and (wrong["true"] != wrong["predicted"]).all()
        assert wrong["p_predicted"].is_monotonic_decreasing
        assert (wrong["p_predicted"] >= wrong["p_true"]).all()
    with pytest.raises(ValueError, match="no activation 'GELU'"):
        training.confusion_matrix(result, "GELU")


def test_fashion_classes_are_named_in_the_pages_language():
    from dataclasses import replace

    from actlab import datasets, i18n

    result = training.train(small(activations=("relu",)))
    fashion = replace(result, class_names=datasets.FASHION_MNIST.class_names)
    assert training.confusion_matrix(fashion, "ReLU")["true"].iloc[0] == "T-shirt/top"
    with i18n.using("zh-CN"):
        counts = training.confusion_matrix(fashion, "ReLU")
        wrong = training.misclassified(fashion, "ReLU", limit=5)
    assert list(dict.fromkeys(counts["true"])) == [
        "T恤/上衣", "裤子", "套头衫", "连衣裙", "外套", "凉鞋", "衬衫", "运动鞋", "包", "短靴"
    ]  # fmt: skip
    assert set(wrong["predicted"]) <= set(counts["true"])
    with i18n.using("zh-CN"):  # digits stay digits
        assert list(dict.fromkeys(training.confusion_matrix(result, "ReLU")["true"])) == [
            str(d) for d in range(10)
        ]


def test_seed_bands():
    history = pd.DataFrame(
        {
            "step": [10, 10, 20, 20],
            "epoch": [0.5, 0.5, 1.0, 1.0],
            "activation": ["ReLU"] * 4,
            "seed": [0, 1, 0, 1],
            "train_loss": [1.0, 3.0, 0.5, 0.7],
            "test_accuracy": [0.8, 0.9, 0.85, 0.95],
        }
    )
    bands = training.seed_bands(history, ["train_loss", "test_accuracy"]).set_index(
        ["metric", "step"]
    )
    assert bands.loc[("train loss", 10), ["mean", "low", "high"]].tolist() == [2.0, 1.0, 3.0]
    assert bands.loc[("test accuracy", 20), "mean"] == pytest.approx(0.9)
    assert bands.loc[("test accuracy", 20), "seeds"] == 2
    assert training.seed_bands(history.iloc[:0], ["train_loss"]).empty


def test_confusion_heatmap_writes_the_counts_on_the_cells():
    from actlab.charts.training import confusion_heatmap

    counts = pd.DataFrame(
        {
            "true": ["0", "0", "1", "1"],
            "predicted": ["0", "1", "0", "1"],
            "count": [3, 1, 0, 4],
            "share": [0.75, 0.25, 0.0, 1.0],
        }
    )
    assert confusion_heatmap(counts).to_dict()["layer"][1]["mark"]["type"] == "text"


def test_final_accuracy_is_the_last_evaluation_averaged_over_seeds():
    history = pd.DataFrame(
        {
            "step": [20, 10, 10, 20],
            "activation": ["ReLU"] * 4,
            "seed": [0, 0, 1, 1],
            "test_accuracy": [0.9, 0.5, 0.6, 0.8],
        }
    )
    accuracy = training.final_accuracy(history, ["ReLU", "Tanh"])
    assert accuracy["ReLU"] == pytest.approx(0.85)
    assert np.isnan(accuracy["Tanh"])  # never measured (diverged before the first evaluation)
