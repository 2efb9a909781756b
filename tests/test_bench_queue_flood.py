"""The helpers of bench/bench_queue_flood.py; no server starts here (the bench is run by hand)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_queue_flood as flood

from actlab import optimizers, training


def test_flood_links_are_distinct_and_carry_the_issues_shape():
    queries = [flood.flood_query(i, 10) for i in range(20)]
    assert len(set(queries)) == 20
    state = parse_qs(queries[13])
    assert state["mn_hid"] == ["1000, 1000, 1000, 1000"] and state["mn_act"] == ["ReLU"]
    assert state["mn_ep"] == ["10"] and state["mn_lim"] == ["all"] and state["mn_bs"] == ["64"]
    assert state["mn_opt"] == ["SGD"] and state["mn_lr"] == ["0.003"]
    # Link values are what the page's controls show: its optimizer labels and learning rates.
    assert flood.OPTIMIZERS == [optimizers.label(o) for o in ("adam", "sgd")]
    assert [float(lr) for lr in flood.LEARNING_RATES] == list(training.LEARNING_RATES[:10])


def test_the_flood_fits_the_caps_exactly():
    epochs = flood.epochs_within_caps(5_000, 10_000)
    config = training.TrainingConfig(
        activations=("relu",), hidden=(1000,) * 4, evals_per_epoch=1, epochs=epochs
    )
    caps = (training.MAX_TRAINING_FLOPS, training.MAX_TRAINING_STEPS)
    assert training.budget_problem(config, 5_000, 10_000, *caps) is None
    longer = training.TrainingConfig(**{**config.__dict__, "epochs": epochs + 1})
    assert training.budget_problem(longer, 5_000, 10_000, *caps) is not None


@pytest.mark.parametrize(
    ("texts", "status"),
    [
        ([("info", "Waiting for a free training slot: number 4 in the queue (2 …)")], "queued 4"),
        ([("progress", "step 3 / 790 · epoch 0.04")], "running"),
        ([("markdown", "Loading the data and building the models…")], "running"),
        ([("heading", "Results"), ("markdown", "…")], "done"),
        ([("warning", "Stopped early: the curves …"), ("heading", "Results")], "stopped"),
        (
            [("error", "The training queue is full: 6 trainings are waiting …")],
            "refused: queue full",
        ),
        ([("warning", "This training needs an estimated 76.0 TFLOP …")], "refused: over the cap"),
        ([("info", "You stopped watching this training; it goes on …")], "left"),
        ([("info", "Press **Train** to start (a run …)")], "idle"),
        ([], "unknown"),
    ],
)
def test_page_status_is_read_from_what_the_page_shows(texts, status):
    assert flood.page_status(texts) == status


def test_cpu_seconds_from_proc_stat():
    stat = "4242 (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0"
    assert flood.parse_stat_cpu_seconds(stat, ticks=100) == 4.0
    own = flood.tree_cpu_seconds(os.getpid())
    assert own > 0
