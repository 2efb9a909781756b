"""Reading a finished (or stopped) run: its history, summary table, seed bands and mistakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from actlab.i18n import N_, _
from actlab.training.config import TrainingConfig
from actlab.training.models import StackedModel

HISTORY_COLUMNS = [
    "step",
    "epoch",
    "activation",
    "seed",
    "train_loss",
    "test_loss",
    "test_accuracy",
    "val_loss",  # NaN without a validation split
    "val_accuracy",
    "seconds",
]


@dataclass
class TrainingResult:
    """The outcome: ``history`` (one row per evaluation and member) and per-activation summaries.

    ``test_accuracy`` maps each activation to its test accuracy (mean over seeds) at each
    member's selected checkpoint: the last evaluation, or with a validation split the one with
    the best validation accuracy (``selected_rows``). ``test_probabilities`` holds
    softmax(logits) on the test set for the first seed at that checkpoint.
    """

    config: TrainingConfig
    history: pd.DataFrame
    test_accuracy: dict[str, float]
    messages: dict[str, str]
    stopped: bool
    seconds: float
    train_seconds: float
    samples_seen: int
    device: str
    test_labels: np.ndarray
    test_probabilities: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    data_description: str
    test_images: np.ndarray
    model: StackedModel | None = field(default=None, repr=False)

    @property
    def samples_per_second(self) -> float:
        """Training samples per second per member (all members advance together)."""
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else 0.0


def selected_rows(history: pd.DataFrame) -> pd.DataFrame:
    """One history row per (activation, seed): the checkpoint a member is judged by.

    Without validation accuracies that is its last evaluation; with them the first evaluation
    with the best validation accuracy (a later one must be strictly better to replace it, as
    the protocols' ``val_acc > best`` checks do), whose test accuracy is then the reported one.
    """
    if history.empty:
        return history
    ordered = history.sort_values("step", kind="stable")
    groups = ordered.groupby(["activation", "seed"], sort=False)
    last = groups.tail(1)
    if "val_accuracy" not in ordered or ordered["val_accuracy"].isna().all():
        return last
    best = ordered.loc[groups["val_accuracy"].idxmax()]
    return best


def final_accuracy(history: pd.DataFrame, titles: Sequence[str]) -> dict[str, float]:
    """Each activation's test accuracy at its selected checkpoints (``selected_rows``), mean
    over seeds (NaN if never measured)."""
    chosen = selected_rows(history)
    if chosen.empty:
        return dict.fromkeys(titles, float("nan"))
    accuracy = chosen.groupby("activation")["test_accuracy"].mean()
    return {title: float(accuracy.get(title, float("nan"))) for title in titles}


# summary_table's column names and statuses, marked (N_): a page translates them when shown.
SUMMARY_WORDS = (
    N_("activation"),
    N_("test accuracy"),
    N_("min"),
    N_("max"),
    N_("checkpoint epoch"),
    N_("epochs run"),
    N_("best accuracy"),
    N_("best epoch"),
    N_("seconds to best"),
    N_("status"),
    N_("diverged"),
    N_("stopped early"),
    N_("early stopping"),
    N_("finished"),
)
# How ``summary_table``'s number columns read (Streamlit's NumberColumn formats).
SUMMARY_FORMATS = {
    **dict.fromkeys(["test accuracy", "min", "max", "best accuracy"], "percent"),
    "best epoch": "%.2f",
    "checkpoint epoch": "%.2f",
    "epochs run": "%.2f",
    "seconds to best": "%.1f s",
}
SUMMARY_NUMBERS = [
    "test accuracy",
    "min",
    "max",
    "checkpoint epoch",
    "epochs run",
    "best accuracy",
    "best epoch",
    "seconds to best",
]


def summary_table(result: TrainingResult) -> pd.DataFrame:
    """One row per activation: the test accuracy at the selected checkpoints (``selected_rows``;
    mean over seeds with min and max), when that checkpoint came (mean epoch) and how many epochs
    the members ran (early stopping ends some sooner); the best test accuracy of any evaluation,
    when it came; and the status.
    """
    history, rows = result.history, []
    chosen = selected_rows(history)
    for title in result.config.titles:
        runs = history[history["activation"] == title]
        row: dict[str, Any] = {"activation": title}
        if runs.empty:
            row |= dict.fromkeys(SUMMARY_NUMBERS, float("nan"))
        else:
            by_step = runs.groupby("step").agg(
                accuracy=("test_accuracy", "mean"),
                epoch=("epoch", "first"),
                seconds=("seconds", "first"),
            )
            picked = chosen[chosen["activation"] == title]
            best = by_step["accuracy"].idxmax()
            row |= {
                "test accuracy": float(picked["test_accuracy"].mean()),
                "min": float(picked["test_accuracy"].min()),
                "max": float(picked["test_accuracy"].max()),
                "checkpoint epoch": float(picked["epoch"].mean()),
                "epochs run": float(runs.groupby("seed")["epoch"].max().mean()),
                "best accuracy": float(by_step.loc[best, "accuracy"]),
                "best epoch": float(by_step.loc[best, "epoch"]),
                "seconds to best": float(by_step.loc[best, "seconds"]),
            }
        if title in result.messages:
            row["status"] = "diverged"
        elif result.stopped:
            row["status"] = "stopped early"
        elif not runs.empty and row["epochs run"] < result.config.epochs - 1e-9:
            row["status"] = "early stopping"
        else:
            row["status"] = "finished"
        rows.append(row)
    return pd.DataFrame(rows)


def seed_bands(history: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, min and max over seeds of each metric per activation and step, in long format.

    Columns: ``activation, step, epoch, metric, mean, low, high, seeds``. With one seed the
    band collapses onto the line (low = mean = high).
    """
    columns = ["activation", "step", "epoch", "metric", "mean", "low", "high", "seeds"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    long = history.melt(
        id_vars=["activation", "step", "epoch", "seed"],
        value_vars=list(metrics),
        var_name="metric",
        value_name="value",
    )
    grouped = long.groupby(["activation", "step", "metric"], sort=False)
    bands = grouped.agg(
        epoch=("epoch", "first"),
        mean=("value", "mean"),
        low=("value", "min"),
        high=("value", "max"),
        seeds=("seed", "nunique"),
    ).reset_index()
    bands["metric"] = bands["metric"].str.replace("_", " ")
    return bands[columns]


def member_probabilities(result: TrainingResult, activation: str) -> np.ndarray:
    """Softmax probabilities ``[N, C]`` of ``activation``'s first-seed model on the test set."""
    if activation not in result.test_probabilities:
        raise ValueError(  # internal: the page asks only for members of the run
            f"no activation {activation!r} in this run; expected one of "
            f"{', '.join(result.test_probabilities)}"
        )
    return result.test_probabilities[activation]


def shown_class_names(result: TrainingResult) -> np.ndarray:
    """The classes as the page names them, in its language ("T-shirt/top" → "T恤/上衣"); the
    run keeps them in English, since it trains on a thread that has no language."""
    return np.array([_(name) for name in result.class_names])


def confusion_matrix(result: TrainingResult, activation: str) -> pd.DataFrame:
    """Counts of (true class, predicted class) on the test set, first seed, long format.

    Columns: ``true, predicted, count, share`` (share of the true class's images).
    """
    predicted = member_probabilities(result, activation).argmax(axis=1)
    k = len(result.class_names)
    counts = np.bincount(result.test_labels * k + predicted, minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    names = shown_class_names(result)
    true_index, pred_index = np.indices((k, k))
    return pd.DataFrame(
        {
            "true": names[true_index.ravel()],
            "predicted": names[pred_index.ravel()],
            "count": counts.ravel(),
            "share": (counts / np.maximum(totals, 1)).ravel(),
        }
    )


def misclassified(result: TrainingResult, activation: str, limit: int = 24) -> pd.DataFrame:
    """The test images the model got wrong, most confident mistakes first.

    Columns: ``index`` (into the test set), ``true``, ``predicted``, ``p_predicted``, ``p_true``.
    """
    probabilities = member_probabilities(result, activation)
    predicted = probabilities.argmax(axis=1)
    wrong = np.nonzero(predicted != result.test_labels)[0]
    p_predicted = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-p_predicted, kind="stable")[:limit]
    names = shown_class_names(result)
    chosen = wrong[order]
    return pd.DataFrame(
        {
            "index": chosen,
            "true": names[result.test_labels[chosen]],
            "predicted": names[predicted[chosen]],
            "p_predicted": p_predicted[order],
            "p_true": probabilities[chosen, result.test_labels[chosen]],
        }
    )
