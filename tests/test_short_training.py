"""Short trainings of the gradients lessons and dead units against independent computations."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from actlab import gradients as gr
from actlab import short_training
from actlab.single_thread import run_single_threaded

pytestmark = pytest.mark.usefixtures("one_thread")


def test_dead_fraction_of_a_hand_built_net_is_exact():
    first = nn.Linear(6, 8, dtype=torch.float64)
    second = nn.Linear(8, 4, dtype=torch.float64)
    with torch.no_grad():
        first.weight.zero_()
        first.bias.copy_(torch.tensor([-1.0, -2.0, -0.5, 1.0, 1.0, 2.0, 3.0, 0.5]))
        second.weight.zero_()
        second.weight[0, 3:] = -1.0  # alive inputs are positive: unit 0 is always negative
        second.bias.copy_(torch.tensor([0.0, 1.0, -3.0, 0.5]))  # unit 2: negative bias, dead
    probe = torch.randn(50, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    relu = short_training.dead_unit_fraction(
        nn.Sequential(first, nn.ReLU(), second, nn.ReLU()), probe
    )
    assert relu["layer"].tolist() == [1, 2]
    assert relu["dead"].tolist() == [3, 2]
    assert relu["fraction"].tolist() == [3 / 8, 2 / 4]
    assert relu["negative"].tolist() == [3 / 8, 2 / 4]
    leaky = short_training.dead_unit_fraction(nn.Sequential(first, nn.LeakyReLU(), second), probe)
    assert leaky["fraction"].tolist() == [0.0]  # a LeakyReLU output is never exactly 0 here
    assert leaky["negative"].tolist() == [3 / 8]


def test_one_positive_example_keeps_a_unit_alive():
    layer = nn.Linear(1, 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(-10.0)
    model = nn.Sequential(layer, nn.ReLU())
    probe = torch.tensor([[-1.0], [2.0], [10.5]], dtype=torch.float64)
    assert short_training.dead_unit_fraction(model, probe)["fraction"].tolist() == [0.0]
    assert short_training.dead_unit_fraction(model, probe[:2])["fraction"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (
            lambda: short_training.dead_unit_fraction(nn.Linear(2, 2), torch.ones(1, 2)),
            "nn.Sequential",
        ),
        (
            lambda: short_training.dead_unit_fraction(
                nn.Sequential(nn.Linear(3, 2)), torch.ones(4, 5)
            ),
            "probe does not fit",
        ),
        (lambda: short_training.RunConfig(lr=0.0), "learning rate"),
        (lambda: short_training.RunConfig(optimizer="rmsprop"), "optimizer"),
        (lambda: short_training.RunConfig(steps=10**6), "steps"),
        (lambda: short_training.RunConfig(bias=math.nan), "bias"),
        (lambda: short_training.RunConfig().cured(["magic"]), "cure"),
        (lambda: short_training.learning_comparison([]), "at least one"),
    ],
)
def test_bad_input_raises_a_value_error_naming_it(call, named):
    with pytest.raises(ValueError, match=named):
        call()


SMALL = short_training.RunConfig(depth=3, width=64, steps=100, seed=0)


def final_dead(snapshot: short_training.Snapshot, run: str = "run") -> pd.Series:
    dead = snapshot.dead[snapshot.dead["run"] == run]
    return dead[dead["step"] == dead["step"].max()].set_index("layer")["fraction"]


@pytest.mark.slow  # ~3 s: three 100-step trainings
def test_too_large_a_learning_rate_kills_relu_units():
    result = short_training.run_to_end({"small": replace(SMALL, lr=1e-3), "large": SMALL})
    small, large = final_dead(result, "small"), final_dead(result, "large")
    assert SMALL.lr == 0.03, "the large rate of this test"
    assert large[1] > 0.5 and large.mean() > 3 * small.mean() and small.max() < 0.15
    lr_01 = short_training.run_to_end({"run": replace(SMALL, lr=0.1)})
    assert (final_dead(lr_01) > 0.85).all()
    assert lr_01.curves["accuracy"].iloc[-1] < 0.3  # almost nothing left to learn with


def test_leaky_relu_cure_leaves_no_dead_units():
    result = short_training.run_to_end({"run": SMALL.cured(["leaky_relu"])})
    assert (result.dead["fraction"] == 0).all()


def test_training_is_seeded_and_records_on_schedule():
    config = short_training.RunConfig(depth=4, width=16, steps=25, record_every=10, seed=3)
    snapshots = list(short_training.train({"run": config}))
    assert [s.step for s in snapshots] == [0, 10, 20, 25]
    assert [s.finished for s in snapshots] == [False, False, False, True]
    last = snapshots[-1]
    assert last.curves["step"].tolist() == [0, 10, 20, 25]
    assert len(last.dead) == 4 * 3  # four records × three hidden layers
    assert math.isnan(last.curves["train_loss"].iloc[0])
    again = short_training.run_to_end({"run": config})
    pd.testing.assert_frame_equal(last.curves, again.curves)
    pd.testing.assert_frame_equal(last.dead, again.dead)


def test_recorded_probe_loss_is_the_untrained_models_cross_entropy():
    config = short_training.RunConfig(
        depth=3, width=16, steps=1, seed=4, init="xavier", probe_size=200
    )
    first = next(iter(short_training.train({"run": config})))
    model = gr.build_mlp("relu", 3, 16, "xavier", 4, dtype=torch.float32)
    x, y = gr.mnist_batch(200, short_training.PROBE_SEED, split="test", dtype=torch.float32)
    with torch.no_grad():
        logits = model(x)
    assert first.curves["loss"].iloc[0] == pytest.approx(float(F.cross_entropy(logits, y)))
    accuracy = float((logits.argmax(1) == y).double().mean())
    assert first.curves["accuracy"].iloc[0] == pytest.approx(accuracy)
    pd.testing.assert_frame_equal(
        first.dead.drop(columns=["run", "step"]), short_training.dead_unit_fraction(model, x)
    )


def test_divergence_stops_the_run_with_a_message_and_the_others_go_on():
    wild = short_training.RunConfig(
        depth=3, width=32, steps=50, optimizer="sgd", lr=3.0, init="normal", std=1.0
    )
    calm = short_training.RunConfig(depth=3, width=32, steps=50)
    result = short_training.run_to_end({"wild": wild, "calm": calm})
    assert "wild: diverged by step 10" in result.messages["wild"]
    assert "calm" not in result.messages
    assert result.curves.groupby("run")["step"].max().to_dict() == {"calm": 50, "wild": 0}
    assert np.isfinite(result.curves["loss"]).all()
    assert result.step == 50 and result.finished


def test_cures_change_exactly_their_setting():
    base = short_training.RunConfig(lr=0.05)
    cured = base.cured(short_training.CURES)
    assert (cured.activation, cured.lr, cured.init, cured.bias) == (
        "leaky_relu",
        pytest.approx(0.005),
        "kaiming",
        short_training.POSITIVE_BIAS,
    )
    assert base.cured([]) == base


@pytest.mark.slow  # ~3.6 s: two 300-step trainings of depth 10
def test_deep_sigmoid_does_not_learn_and_relu_with_he_init_does():
    runs = short_training.learning_comparison([("sigmoid", "pytorch_default"), ("relu", "kaiming")])
    result = short_training.run_to_end(runs)
    accuracy = result.curves.groupby("run")["accuracy"].last()
    loss = result.curves.groupby("run")["loss"].last()
    sigmoid_run, relu_run = list(runs)
    assert accuracy[sigmoid_run] < 0.2 and loss[sigmoid_run] > 2.2
    assert accuracy[relu_run] > 0.7 and loss[relu_run] < 1.0


def test_single_threaded_training_gives_the_same_snapshots_on_one_thread():
    config = short_training.RunConfig(depth=3, width=16, steps=20, seed=2)
    direct = list(short_training.train({"run": config}))
    torch.set_num_threads(2)
    threaded = list(short_training.train_single_threaded({"run": config}))
    assert torch.get_num_threads() == 2  # the caller's setting is left alone
    assert [s.step for s in threaded] == [s.step for s in direct]
    pd.testing.assert_frame_equal(threaded[-1].curves, direct[-1].curves)
    pd.testing.assert_frame_equal(threaded[-1].dead, direct[-1].dead)
    worker_threads = run_single_threaded(torch.get_num_threads)
    assert worker_threads == 1


def test_comparison_pairs_are_ids_of_activation_and_init():
    assert short_training.pair_label("sigmoid:xavier") == "Sigmoid, Xavier/Glorot uniform"
    by_id = short_training.learning_comparison(["relu:kaiming"], depth=4, optimizer="adam")
    by_tuple = short_training.learning_comparison([("relu", "kaiming")], depth=4, optimizer="adam")
    assert (
        by_id
        == by_tuple
        == {
            "ReLU, Kaiming/He normal": short_training.RunConfig(
                activation="relu", depth=4, width=64, init="kaiming", optimizer="adam", lr=0.1
            )
        }
    )
    for pair in short_training.COMPARISON_PAIRS:
        assert short_training.learning_comparison([pair])
    with pytest.raises(ValueError, match="init must be one of"):
        short_training.learning_comparison(["relu:he"])


def test_dead_relu_runs_set_the_bias_and_add_a_cured_copy_only_when_asked():
    (only,) = short_training.dead_relu_runs(bias="init").values()
    assert only == short_training.RunConfig() and only.bias is None
    runs = short_training.dead_relu_runs(4, 32, "kaiming", "-0.5", "sgd", 0.3, 100, 2, ["lower_lr"])
    assert list(runs) == ["as set", "with cures"]
    assert runs["as set"] == short_training.RunConfig(
        depth=4, width=32, init="kaiming", bias=-0.5, optimizer="sgd", lr=0.3, steps=100, seed=2
    )
    assert runs["with cures"] == replace(runs["as set"], lr=0.3 / 10)
    with pytest.raises(ValueError, match="bias"):
        short_training.dead_relu_runs(bias="inf")


def test_each_run_gets_the_optimizer_its_config_names():
    for optimizer, torch_class in [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam)]:
        run = short_training._Run("run", short_training.RunConfig(depth=2, optimizer=optimizer))
        assert type(run.optimizer) is torch_class
        assert run.optimizer.defaults["lr"] == 0.03


def test_snapshot_tables_by_run_and_the_final_dead_units():
    runs = {"as set": SMALL, "with cures": SMALL.cured(["leaky_relu"])}
    result = short_training.run_to_end(
        {name: replace(config, steps=20) for name, config in runs.items()}
    )
    assert result.run_names == ["as set", "with cures"]
    assert set(result.dead_of("with cures")["run"]) == {"with cures"}
    final = result.final_dead()
    assert list(final.columns) == [
        "run",
        "step",
        "layer",
        "dead",
        "units",
        "dead share",
        "negative on every probe digit",
    ]
    assert final["step"].tolist() == [20, 20, 20, 20]  # two hidden layers per run
    pd.testing.assert_series_equal(
        final["dead share"].reset_index(drop=True),
        pd.concat([final_dead(result, name) for name in runs]).reset_index(drop=True),
        check_names=False,
    )


# --- gated units (actlab.gradients.GatedLayer) --------------------------------------------------


def test_a_reglu_unit_is_dead_where_its_gate_is_negative_for_every_probe_digit():
    model = gr.build_mlp("reglu", 4, 64, "pytorch_default", 0, bias=-0.05)
    probe, _ = gr.mnist_batch(128, 1)
    got = short_training.dead_unit_fraction(model, probe)
    blocks = [m for m in model if isinstance(m, gr.GatedLayer)]
    expected_dead, h = [], probe
    with torch.no_grad():
        for block in blocks:  # by hand: a = xW + b, h = relu(a) * (xV + c)
            a = h @ block.gate.weight.T + block.gate.bias
            expected_dead.append(int((a <= 0).all(dim=0).sum()))
            h = F.relu(a) * (h @ block.value.weight.T + block.value.bias)
    units = gr.hidden_width("reglu", 4, 64)
    assert got["layer"].tolist() == [1, 2, 3] and got["units"].tolist() == [units] * 3
    assert got["dead"].tolist() == expected_dead and sum(expected_dead) > 0
    assert got["negative"].tolist() == [d / units for d in expected_dead]
    swiglu = short_training.dead_unit_fraction(gr.build_mlp("swiglu", 4, 64), probe)
    assert swiglu["dead"].tolist() == [0, 0, 0]  # SiLU(a) is 0 only at a = 0


def test_gated_pairs_train_a_matched_gated_net_and_name_it():
    runs = short_training.learning_comparison(["swiglu:pytorch_default"], 3, 32, steps=5)
    (label,) = runs
    assert label == "SwiGLU, PyTorch default (nn.Linear)"
    assert "swiglu:pytorch_default" in short_training.comparison_pairs()
    run = short_training._Run(label, runs[label])
    assert run.model[0].gate.out_features == gr.hidden_width("swiglu", 3, 32) < 32
    snapshot = short_training.run_to_end(runs)
    assert snapshot.curves["step"].max() == 5 and not snapshot.messages


def test_a_gated_stack_that_overflows_at_step_0_says_so_not_lower_the_rate():
    config = short_training.RunConfig("swiglu", depth=10, width=64, init="xavier", steps=5)
    snapshot = short_training.run_to_end({"x": config})
    assert "untrained outputs already overflow" in snapshot.messages["x"]
    assert "Lower the learning rate" not in snapshot.messages["x"]
