"""actlab.training: fair batched training checked against each activation trained alone."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from actlab import datasets, training
from actlab.training import ActivationSpec, TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"train_limit": 1000, "hidden": (32,), "batch_size": 50, "device": "cpu"}


def small(**changes) -> TrainingConfig:
    return TrainingConfig(**(SMALL | {"evals_per_epoch": 1} | changes))


def weights_of(result: training.TrainingResult, seed_index: int, member: int) -> list[torch.Tensor]:
    return [t for layer in result.model.member_weights(seed_index, member) for t in layer]


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": -1.0}, r"lr must be in \(0, 10\], got -1.0"),
        ({"lr": float("nan")}, "lr must be in"),
        ({"momentum": 1.5}, r"momentum must be in \[0, 0.999\], got 1.5"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of sgd, adam; got 'rmsprop'"),
        ({"batch_size": 0}, "batch_size must be between 1 and 8192, got 0"),
        ({"epochs": 2.5}, "epochs must be an integer, got 2.5"),
        ({"hidden": (64, -3)}, "hidden layer width must be between 1 and 4096, got -3"),
        ({"activations": ("relu", "swishy")}, "unknown activation 'swishy'"),
        ({"activations": ()}, "choose at least one activation"),
        ({"activations": ("relu", "relu")}, "'ReLU' is listed twice"),
        ({"activations": (ActivationSpec("elu", (("alpha", -5.0),)),)}, "elu.alpha=-5"),
        ({"activations": ("log_softmax",)}, "log_softmax is an output function"),
        ({"seeds": (1, 1)}, "seeds must be distinct"),
        ({"dataset": "cifar"}, "unknown dataset 'cifar'"),
        ({"device": "tpu"}, "device must be one of auto, cpu, cuda; got 'tpu'"),
        ({"hidden": (4096, 4096)}, "weights in all models together is over"),
        (
            {
                "activations": ("relu", "tanh", "gelu", "silu"),
                "hidden": (1024,),
                "batch_size": 1024,
            },
            r"batch 1024 × 4,096 units in the widest layer of all models is 4,194,304 values per "
            r"step, over the 1,048,576 this server allows",
        ),
    ],
)
def test_bad_config_values_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**changes)


def test_memory_caps_admit_their_limits_exactly():
    widest = TrainingConfig(activations=("relu", "tanh", "gelu", "silu"), hidden=(512,))
    assert widest.widest_layer_units == 2048
    with pytest.raises(ValueError, match="over the 1,048,576"):
        TrainingConfig(activations=("relu", "tanh", "gelu", "silu"), hidden=(512,), batch_size=1024)
    at_cap = TrainingConfig(
        activations=("relu", "tanh", "gelu", "silu"), hidden=(256,), batch_size=1024
    )
    assert at_cap.batch_size * at_cap.widest_layer_units == training.MAX_STEP_UNITS
    seeds = TrainingConfig(activations=("relu",), hidden=(64, 300), seeds=(0, 1, 2))
    assert seeds.widest_layer_units == 900
    # Logistic regression: the widest layer is the 10 logits of each member.
    assert (
        TrainingConfig(hidden=(), compare_at="output", activations=("tanh",)).widest_layer_units
        == 10
    )


def test_evaluation_chunks_hold_no_more_than_a_training_step():
    data = training.tensor_data(small())
    wide = TrainingConfig(activations=("relu", "tanh"), hidden=(1500,), batch_size=16)
    assert training._Evaluator(data, wide).chunk == training.MAX_STEP_UNITS // 3000 == 349
    assert training._Evaluator(data, small()).chunk == 2000


def test_config_is_normalised_and_hashable():
    a = TrainingConfig(activations=["relu", "tanh"], hidden=[64], seeds=[0, 1])
    b = TrainingConfig(activations=("relu", "tanh"), hidden=(64,), seeds=(0, 1))
    assert a == b and hash(a) == hash(b)
    assert a.activations == (ActivationSpec("relu"), ActivationSpec("tanh"))
    assert {a: 1}[b] == 1
    assert a.titles == ["ReLU", "Tanh"]
    assert (
        ActivationSpec("leaky_relu", (("negative_slope", 0.2),)).title
        == "LeakyReLU(negative_slope=0.2)"
    )


# --- the batched model ------------------------------------------------------------------------


def test_initial_weights_follow_nn_linear_scheme_and_are_shared_by_members():
    sizes = (784, 48, 24, 10)
    first = training.initial_weights(sizes, seed=3)
    assert training.initial_weights(sizes, seed=3)[1][0].equal(first[1][0])
    assert not training.initial_weights(sizes, seed=4)[0][0].equal(first[0][0])
    torch.manual_seed(3)  # nn.Linear draws from the global generator, in layer order
    plain = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
    for (weight, bias), linear in zip(first, plain, strict=True):
        assert weight.equal(linear.weight.detach()) and bias.equal(linear.bias.detach())
        bound = 1 / math.sqrt(linear.in_features)
        assert weight.abs().max() <= bound and bias.abs().max() <= bound
    fns = [training.activations.function(n) for n in ("relu", "tanh", "gelu")]
    model = training.StackedMLP(sizes, fns, seeds=(3, 4))
    for member in range(3):
        for got, want in zip(model.member_weights(0, member), first, strict=True):
            assert got[0].equal(want[0]) and got[1].equal(want[1])


def test_batched_forward_equals_each_member_computed_alone_in_float64():
    sizes = (784, 16, 12, 10)
    names = ("relu", "tanh", "softsign")
    fns = [training.activations.function(n) for n in names]
    model = training.StackedMLP(sizes, fns, seeds=(0, 7)).double()
    x = torch.randn(2, 5, 784, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    logits = model(x)
    assert logits.shape == (2, 3, 5, 10)
    for s in range(2):
        for a, f in enumerate(fns):
            h = x[s]
            layers = model.member_weights(s, a)
            for i, (w, b) in enumerate(layers):
                h = h @ w.T + b
                if i < len(layers) - 1:
                    h = f(h)
            torch.testing.assert_close(logits[s, a], h, rtol=0, atol=1e-12)


def test_member_losses_match_cross_entropy_and_nll_loss():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 7, 10, dtype=torch.float64, generator=generator)
    labels = torch.randint(0, 10, (2, 7), generator=generator)
    losses, _ = training.member_losses(logits, labels, None)
    outputs = [torch.sigmoid, torch.tanh, training.OUTPUT_FUNCTIONS["softmax"]]
    nll, _ = training.member_losses(logits, labels, outputs)
    for s in range(2):
        for a in range(3):
            expected = F.cross_entropy(logits[s, a], labels[s])
            torch.testing.assert_close(losses[s, a], expected, rtol=0, atol=1e-14)
            expected_nll = F.nll_loss(outputs[a](logits[s, a]), labels[s])
            torch.testing.assert_close(nll[s, a], expected_nll, rtol=0, atol=1e-14)


# --- training ---------------------------------------------------------------------------------


def test_relu_reaches_85_percent_on_bundled_mnist_with_live_progress():
    config = TrainingConfig(
        activations=("relu",),
        hidden=(64,),
        epochs=2,
        batch_size=64,
        evals_per_epoch=2,
        device="cpu",
    )
    seen = []
    result = training.train(config, on_progress=seen.append)
    assert result.test_accuracy["ReLU"] > 0.85
    history = result.history
    assert list(history.columns) == training.HISTORY_COLUMNS
    assert history["step"].tolist() == [40, 79, 118, 158]  # ceil(5000 / 64) = 79 steps per epoch
    assert history["epoch"].iloc[-1] == 2.0 and history["seconds"].is_monotonic_increasing
    assert history["test_loss"].iloc[-1] < history["test_loss"].iloc[0]
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(seen[-1].history) == 4 and seen[-1].eta_seconds == 0.0
    assert result.samples_seen == 2 * 5000 and result.samples_per_second > 0
    # The reported accuracy is what the stored test probabilities give (first seed).
    predicted = result.test_probabilities["ReLU"].argmax(axis=1)
    assert np.mean(predicted == result.test_labels) == pytest.approx(result.test_accuracy["ReLU"])
    assert result.test_labels.shape == (10000,)


def test_batched_training_equals_training_each_activation_alone():
    together = training.train(small(activations=("relu", "tanh"), seeds=(0, 5)))
    for member, name in enumerate(("relu", "tanh")):
        alone = training.train(small(activations=(name,), seeds=(0, 5)))
        title = alone.config.titles[0]
        mine = together.history[together.history["activation"] == title].reset_index(drop=True)
        np.testing.assert_allclose(mine["train_loss"], alone.history["train_loss"], rtol=1e-5)
        np.testing.assert_allclose(mine["test_loss"], alone.history["test_loss"], rtol=1e-5)
        np.testing.assert_allclose(mine["test_accuracy"], alone.history["test_accuracy"], atol=3e-4)
        for seed_index in range(2):
            for got, want in zip(
                weights_of(together, seed_index, member),
                weights_of(alone, seed_index, 0),
                strict=True,
            ):
                torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)
    seeds = together.history.groupby("seed")["train_loss"].first()
    assert seeds[0] != seeds[5]  # the seeds really differ (weights and data order)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batched_training_matches_a_plain_nn_linear_loop(optimizer):
    """An independent reference: textbook nn.Sequential models fed the same batches.

    The batched model folds the first bias into its GEMM and pads the input; none of that may
    change what a member learns.
    """
    config = small(activations=("relu", "gelu"), optimizer=optimizer, lr=0.05, train_limit=600)
    result = training.train(config)
    data = training.tensor_data(config)
    sizes = (784, 32, 10)
    # train() draws each epoch's order from this stream (seed 0 -> 2**32).
    order = torch.randperm(600, generator=torch.Generator().manual_seed(2**32))
    for member, name in enumerate(("relu", "gelu")):
        layers = training.initial_weights(sizes, seed=0)
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 32), training.activations.module(name), torch.nn.Linear(32, 10)
        )
        with torch.no_grad():
            for linear, (w, b) in zip((model[0], model[2]), layers, strict=True):
                linear.weight.copy_(w)
                linear.bias.copy_(b)
        if optimizer == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for start in range(0, 600, 50):
            index = order[start : start + 50]
            x = (data.train_x[index].double() - data.shift) * data.scale
            loss = F.cross_entropy(model(x.float()), data.train_y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
        want = [model[0].weight, model[0].bias, model[2].weight, model[2].bias]
        for got, expected in zip(weights_of(result, 0, member), want, strict=True):
            # float32 sums in another order; Adam divides by sqrt(v), so pixels that rarely get
            # a gradient amplify that to ~3e-5 (one wrong step would be off by ~lr = 0.05).
            atol = 1e-6 if optimizer == "sgd" else 3e-4
            torch.testing.assert_close(got, expected.detach(), rtol=1e-3, atol=atol)
    first = result.model.weights[0]
    assert first.shape == (1, 2 * 32, 800)  # 784 pixels, the bias feature, 15 zero features
    assert first[..., 785:].abs().max() == 0  # padding weights get no gradient: still zero


def test_nan_loss_stops_only_that_activation():
    exploding = ActivationSpec(
        "exploding", function=lambda x: torch.exp(100 * x), label="exp(100x)"
    )
    config = small(activations=("relu", exploding), epochs=2, evals_per_epoch=2)
    result = training.train(config, check_every=5)
    assert "exp(100x)" in result.messages
    assert (
        "became" in result.messages["exp(100x)"]
        and "smaller learning rate" in result.messages["exp(100x)"]
    )
    assert result.history[result.history["activation"] == "exp(100x)"].empty
    table = training.summary_table(result).set_index("activation")
    assert table.loc["exp(100x)", "status"] == "diverged"
    assert table.loc["ReLU", "status"] == "finished"
    # ReLU trained next to a diverging member is exactly ReLU trained alone.
    alone = training.train(small(activations=("relu",), epochs=2, evals_per_epoch=2))
    relu = result.history[result.history["activation"] == "ReLU"].reset_index(drop=True)
    np.testing.assert_allclose(relu["train_loss"], alone.history["train_loss"], rtol=1e-5)


def test_stop_flag_keeps_partial_history():
    calls = {"n": 0}

    def stop_after_25_steps() -> bool:
        # Polled once per step and once per 2,000-image test chunk (5 per evaluation):
        # 10 steps + 5 + 10 steps + 5 + 5 steps = 35 calls.
        calls["n"] += 1
        return calls["n"] > 35

    config = small(activations=("relu",), evals_per_epoch=2, epochs=3)
    result = training.train(config, should_stop=stop_after_25_steps)
    assert result.stopped
    assert result.history["step"].tolist() == [10, 20]  # 20 steps per epoch, evals every 10
    assert result.samples_seen == 25 * 50
    assert training.summary_table(result)["status"].tolist() == ["stopped early"]


def test_stop_during_an_evaluation_ends_it_between_chunks():
    calls = {"n": 0}

    def stop_inside_first_evaluation() -> bool:
        calls["n"] += 1  # 20 step checks, then one per 2,000-image test chunk
        return calls["n"] > 22

    config = small(activations=("relu",), epochs=2)
    result = training.train(config, should_stop=stop_inside_first_evaluation)
    assert result.stopped and result.history.empty
    assert calls["n"] == 23 and result.samples_seen == 20 * 50


def test_torch_nn_tutorial_experiment_output_functions():
    """Logistic regression, lr 0.5, batch 64, SGD: the output function fed to nll_loss."""
    config = TrainingConfig(
        activations=("log_softmax", "softmax", "sigmoid", "tanh"),
        compare_at="output",
        hidden=(),
        optimizer="sgd",
        momentum=0.0,
        lr=0.5,
        batch_size=64,
        epochs=1,
        input_scaling="divide_by_255",
        device="cpu",
        evals_per_epoch=1,
    )
    result = training.train(config)
    accuracy = result.test_accuracy
    assert accuracy["log_softmax"] > 0.85
    history = result.history.set_index("activation")
    assert history.loc["softmax", "train_loss"] < 0  # nll_loss of probabilities is -p[y]
    assert history.loc["Tanh", "train_loss"] >= -1.0
    # Scored on all 10,000 test images, not one batch.
    counts = training.confusion_matrix(result, "log_softmax")
    assert counts["count"].sum() == 10000


def test_results_table_confusion_matrix_and_mistakes_agree():
    result = training.train(small(activations=("relu", "sigmoid"), seeds=(0, 1)))
    table = training.summary_table(result).set_index("activation")
    last = result.history.groupby(["activation", "seed"]).tail(1).set_index(["activation", "seed"])
    for title in ("ReLU", "Sigmoid"):
        accuracies = last.loc[title, "test_accuracy"]
        assert table.loc[title, "final accuracy"] == pytest.approx(accuracies.mean())
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


# --- shared runs ------------------------------------------------------------------------------


def test_runs_are_shared_limited_and_stop_within_a_second():
    registry = training.RunRegistry(keep=2)
    long_config = small(epochs=100, evals_per_epoch=1, train_limit=5000)
    run = registry.start(long_config)
    assert registry.start(long_config) is run  # identical configs share one run
    deadline = time.monotonic() + 20
    while run.state().progress is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.state().status == "running"
    asked = time.monotonic()
    run.stop()
    assert run.wait(timeout=5)
    assert time.monotonic() - asked < 1.0
    state = run.state()
    assert state.status == "stopped" and state.result.stopped
    assert registry.start(long_config) is not run  # a stopped run is started afresh
    registry.find(long_config).stop()


def test_only_the_allowed_number_of_trainings_run_at_once():
    slot = threading.BoundedSemaphore(1)
    first = training.TrainingRun(small(epochs=100, train_limit=5000), slot).start()
    second = training.TrainingRun(small(), slot).start()
    time.sleep(0.3)
    assert first.state().status == "running"
    waiting = second.state()
    assert waiting.status == "queued" and waiting.queue_position >= 1
    first.stop()
    assert second.wait(timeout=20)
    assert second.state().status == "done"
    assert isinstance(second.state().result.history, pd.DataFrame)
    third = training.TrainingRun(small(), threading.BoundedSemaphore(0)).start()
    third.stop()  # stopping a queued run ends it without training
    assert third.wait(timeout=2) and third.state().status == "stopped"


def test_failures_are_reported_not_swallowed(monkeypatch):
    monkeypatch.setattr(
        training, "tensor_data", lambda *a, **k: (_ for _ in ()).throw(ValueError("no data"))
    )
    run = training.TrainingRun(small(), threading.BoundedSemaphore(1)).start()
    assert run.wait(timeout=5)
    assert run.state().status == "failed" and run.state().error == "no data"


# --- a public server: compute cap, queue, viewers ---------------------------------------------


def test_training_flops_counted_by_hand():
    config = small(activations=("relu", "tanh"), epochs=2)  # 784 -> 32 -> 10, batch 50
    weights = (784 * 32 + 32) + (32 * 10 + 10)  # 25,450 per member, two members
    assert config.weights == 2 * weights == 50_900
    # 1,000 of the 5,000 images, 2 epochs: 6 FLOPs per weight and sample; one evaluation per
    # epoch (steps 20 and 40) runs the 10,000 test images forward, 2 FLOPs per weight.
    train = 6 * 50_900 * 1_000 * 2
    evaluations = 2 * 50_900 * 10_000 * 2
    assert training.training_flops(config, 5_000, 10_000) == train + evaluations == 2_646_800_000
    # Fewer images than the limit: all of them; the schedule's evaluations are counted once.
    assert training.training_flops(config, 500, 10_000) == 6 * 50_900 * 500 * 2 + evaluations
    assert training.estimated_flops(config) == 2_646_800_000  # the bundled copy: 5,000 + 10,000


def test_training_steps_and_the_step_cap():
    config = small(epochs=3, batch_size=64)  # 1,000 of 5,000 images
    assert training.training_steps(config, 5_000) == 16 * 3  # ceil(1000 / 64) = 16 per epoch
    assert training.training_steps(config, 500) == 8 * 3
    many = TrainingConfig(activations=("relu",), hidden=(16,), batch_size=16, epochs=50)
    assert training.training_steps(many, 60_000) == 187_500
    message = training.budget_problem(many, 60_000, 10_000, 1e15, 30_000)
    assert message.startswith("This training takes 187,500 optimizer steps (60,000 training ")
    assert "images ÷ batch 16 × 50 epochs), over this server's limit of 30,000 per run" in message
    assert "at most 8 epochs fit; or use a larger batch" in message
    assert training.budget_problem(many, 60_000, 10_000, 1e15, 187_500) is None


def test_both_presets_fit_the_default_cap_and_the_issues_flood_does_not():
    caps = (training.MAX_TRAINING_FLOPS, training.MAX_TRAINING_STEPS)
    for n_train in (5_000, 60_000):  # the bundled copy; a downloaded full dataset
        for preset in training.PRESETS.values():
            config = TrainingConfig(**preset)
            assert training.budget_problem(config, n_train, 10_000, *caps) is None
    quick = TrainingConfig(**training.PRESETS["quick comparison"])
    tutorial = TrainingConfig(**training.PRESETS["torch.nn tutorial experiment"])
    assert training.training_flops(quick, 60_000, 10_000) == 85_486_800_000  # 5,000 images
    assert training.training_flops(tutorial, 60_000, 10_000) == 25_120_000_000  # 784 -> 10
    assert training.training_flops(quick, 5_000, 10_000) <= training.QUICK_RUN_FLOPS
    flood = TrainingConfig(activations=("relu",), hidden=(1000,) * 4, epochs=50, batch_size=64)
    message = training.budget_problem(flood, 60_000, 10_000, 3e12)
    assert message.startswith("This training needs an estimated 76.0 TFLOP of computation")
    assert "over this server's limit of 3.0 TFLOP per run" in message
    assert "at most 1 epoch fits" in message and "fewer training images" in message
    tiny_cap = training.budget_problem(flood, 60_000, 10_000, 1e9)
    assert "Even one epoch is over it" in tiny_cap and "limit of 1.0 GFLOP" in tiny_cap


def _registry(**changes) -> training.RunRegistry:
    """A registry with its own slots (none free unless given), so tests never wait on others."""
    options = {
        "slots": threading.BoundedSemaphore(1),
        "quick_slots": threading.BoundedSemaphore(1),
        "quick_flops": 0,  # every run goes to the ordinary lane unless a test says otherwise
    }
    for name in ("slots", "quick_slots"):
        if isinstance(changes.get(name), int):
            changes[name] = (
                threading.BoundedSemaphore(changes[name])
                if changes[name]
                else (threading.Semaphore(0))
            )
    return training.RunRegistry(**(options | changes))


def _stop_all(*runs: training.TrainingRun) -> None:
    for run in runs:
        run.stop()
    for run in runs:
        assert run.wait(timeout=10)


def test_start_over_the_cap_is_refused_with_the_numbers():
    registry = _registry(max_flops=1e9)
    with pytest.raises(training.TrainingRefused, match=r"needs an estimated 2\.6 GFLOP"):
        registry.start(small(epochs=2), "visitor")
    assert registry.find(small(epochs=2)) is None
    assert "limit of 1.0 GFLOP" in registry.budget_problem(small(epochs=2))
    assert registry.budget_problem(small(train_limit=10, epochs=1, activations=("relu",))) is None


def test_a_full_queue_refuses_the_next_run_and_quick_runs_have_their_own_lane():
    registry = _registry(slots=0, quick_slots=0, max_queued=2)
    first, second = registry.start(small(seeds=(1,))), registry.start(small(seeds=(2,)))
    assert [first.state().queue_position, second.state().queue_position] == [1, 2]
    with pytest.raises(training.TrainingRefused, match="The training queue is full: 2 trainings"):
        registry.start(small(seeds=(3,)))
    assert registry.start(small(seeds=(1,))) is first  # joining a waiting run is no new run
    # A quick run waits in its own lane, and takes its own slot while the others wait.
    lanes = _registry(slots=0, quick_slots=1, max_queued=1, quick_flops=2e9)
    slow = lanes.start(small(epochs=5))  # 6.6 GFLOP
    quick = lanes.start(small(train_limit=100, activations=("relu",)))  # 0.5 GFLOP
    assert quick.quick and not slow.quick
    assert quick.wait(timeout=20) and quick.state().status == "done"
    assert slow.state().status == "queued"
    _stop_all(first, second, slow)
    assert first.state().status == second.state().status == "stopped"


def test_one_visitor_holds_one_run_and_a_shared_run_outlives_one_of_its_viewers():
    registry = _registry(slots=0)
    mine = registry.start(small(seeds=(1,)), "a")
    assert mine.watched_by("a") and mine.state().viewers == 1
    other = registry.start(small(seeds=(2,)), "a")  # a new run lets go of the old one
    assert mine.wait(timeout=2) and mine.state().status == "stopped"
    assert registry.start(small(seeds=(2,)), "b") is other  # b joins a's run
    assert other.state().viewers == 2
    third = registry.start(small(seeds=(3,)), "a")  # a moves on; b still watches
    time.sleep(0.2)
    assert other.state().status == "queued" and not other.stopping
    assert not other.watched_by("a") and other.watched_by("b")
    _stop_all(other, third)


def test_stop_detaches_a_viewer_and_stops_the_run_only_for_the_last_one():
    run = training.TrainingRun(small(), threading.Semaphore(0), lease_seconds=60).start()
    run.watch("a")
    run.watch("b")
    assert run.leave("a") is False
    time.sleep(0.2)
    assert run.state().status == "queued" and run.state().viewers == 1
    assert run.leave("b") is True
    assert run.wait(timeout=2) and run.state().status == "stopped"


def test_a_run_whose_viewers_are_gone_stops_by_itself_queued_or_training():
    registry = _registry(slots=1, lease_seconds=0.5)
    running = registry.start(small(epochs=100, train_limit=5000), "a")
    waiting = registry.start(small(epochs=100, train_limit=5000, seeds=(1,)), "b")
    renewed_until = time.monotonic() + 1.5
    while time.monotonic() < renewed_until:  # both pages poll, as the live view does
        running.watch("a")
        waiting.watch("b")
        time.sleep(0.1)
    assert running.state().status == "running" and waiting.state().status == "queued"
    gone = time.monotonic()  # both tabs close
    assert waiting.wait(timeout=3) and running.wait(timeout=3)
    assert time.monotonic() - gone < 2.0
    assert running.state().status == "stopped" and running.state().result.stopped
    assert waiting.state().status == "stopped" and waiting.state().queue_position == 0
    with training._waiting_lock:
        assert waiting not in training._waiting


def test_runs_take_their_turn_first_come_first_served():
    slot = threading.BoundedSemaphore(1)
    runs = [training.TrainingRun(small(seeds=(s,)), slot) for s in range(3)]
    hold = training.TrainingRun(small(epochs=100, train_limit=5000), slot).start()
    deadline = time.monotonic() + 10
    while hold.state().status != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    for run in runs:
        run.start()
        time.sleep(0.05)
    assert [run.state().queue_position for run in runs] == [1, 2, 3]
    hold.stop()
    started = []
    while len(started) < 3 and time.monotonic() < deadline + 30:
        started += [r for r in runs if r not in started and r.state().status != "queued"]
        time.sleep(0.005)
    assert started == runs
    _stop_all(*runs)


def test_standardisation_uses_exact_pixel_moments():
    data = training.tensor_data(TrainingConfig(device="cpu"))
    pixels = datasets.load("mnist").train_images.astype(np.float64)
    assert data.shift == pytest.approx(pixels.mean(), rel=1e-12)
    assert data.scale == pytest.approx(1 / pixels.std(), rel=1e-12)
    batch = training._to_float(data.train_x[:50], data).double()
    np.testing.assert_allclose(
        batch.numpy(), (pixels[:50].reshape(50, -1) - pixels.mean()) / pixels.std(), atol=1e-5
    )
    assert data.train_x.dtype == torch.uint8 and data.train_x.shape == (5000, 784)


def test_parse_hidden_and_seed_bands():
    assert training.parse_hidden("256, 128") == (256, 128)
    assert training.parse_hidden(" 64 ") == (64,)
    assert training.parse_hidden("none") == training.parse_hidden("") == ()
    with pytest.raises(ValueError, match="whole numbers like '256, 128'; got '12a'"):
        training.parse_hidden("64, 12a")
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


def test_learning_curves_draw_bands_only_for_several_seeds():
    from actlab.charts.training import confusion_heatmap, learning_curves

    history = pd.DataFrame(
        {
            "step": [10, 10],
            "epoch": [1.0, 1.0],
            "activation": ["ReLU", "ReLU"],
            "seed": [0, 1],
            "test_accuracy": [0.8, 0.9],
        }
    )
    two_seeds = learning_curves(training.seed_bands(history, ["test_accuracy"]), "acc", "a")
    one_seed = learning_curves(training.seed_bands(history[:1], ["test_accuracy"]), "acc", "b")
    spec = two_seeds.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "point"]
    assert len(one_seed.to_dict()["layer"]) == 2  # no band for a single seed
    assert "legend" in str(spec) and "tooltip" in str(spec)
    counts = pd.DataFrame(
        {
            "true": ["0", "0", "1", "1"],
            "predicted": ["0", "1", "0", "1"],
            "count": [3, 1, 0, 4],
            "share": [0.75, 0.25, 0.0, 1.0],
        }
    )
    assert confusion_heatmap(counts).to_dict()["layer"][1]["mark"]["type"] == "text"


def _modules_imported_by_first_optimizer(preload: bool) -> list[str]:
    code = (
        "import sys, torch\n"
        "from actlab import training\n"
        f"if {preload}: training.preload_optimizers()\n"
        "before = set(sys.modules)\n"
        "torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], fused=True)\n"
        "new = set(sys.modules) - before\n"
        "print(len(new), any(m.startswith('torch._dynamo') for m in new))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return run.stdout.split()


def test_preloading_leaves_the_first_optimizer_nothing_heavy_to_import():
    count, dynamo = _modules_imported_by_first_optimizer(preload=False)
    assert dynamo == "True" and int(count) > 100  # what a page's first Train click would wait for
    count, dynamo = _modules_imported_by_first_optimizer(preload=True)
    assert dynamo == "False" and int(count) < 10
