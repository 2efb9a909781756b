"""actlab.training.loop: fair batched training checked against each activation trained alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from mnist_fixtures import small, weights_of

from actlab import activations, datasets, training
from actlab.training import ActivationSpec, TrainingConfig, loop

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
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


@pytest.mark.slow
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
            torch.nn.Linear(784, 32), activations.module(name), torch.nn.Linear(32, 10)
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


def test_evaluation_chunks_hold_no_more_than_a_training_step():
    data = training.tensor_data(small())
    wide = TrainingConfig(activations=("relu", "tanh"), hidden=(1500,), batch_size=16)
    assert training.Evaluator(data, wide).chunk == training.MAX_STEP_UNITS // 3000 == 1398
    assert training.Evaluator(data, small()).chunk == 2000


def test_standardisation_uses_exact_pixel_moments():
    data = training.tensor_data(TrainingConfig(device="cpu"))
    pixels = datasets.load("mnist").train_images.astype(np.float64)
    assert data.shift == pytest.approx(pixels.mean(), rel=1e-12)
    assert data.scale == pytest.approx(1 / pixels.std(), rel=1e-12)
    batch = data.to_float(data.train_x[:50]).double()
    np.testing.assert_allclose(
        batch.numpy(), (pixels[:50].reshape(50, -1) - pixels.mean()) / pixels.std(), atol=1e-5
    )
    assert data.train_x.dtype == torch.uint8 and data.train_x.shape == (5000, 784)


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


@pytest.mark.slow
def test_preloading_leaves_the_first_optimizer_nothing_heavy_to_import():
    count, dynamo = _modules_imported_by_first_optimizer(preload=False)
    assert dynamo == "True" and int(count) > 100  # what a page's first Train click would wait for
    count, dynamo = _modules_imported_by_first_optimizer(preload=True)
    assert dynamo == "False" and int(count) < 10


def test_pixel_moments_are_exact_over_several_chunks():
    images = np.random.default_rng(0).integers(0, 256, (1500, 28, 28), dtype=np.uint8)
    mean, std = training.pixel_moments(images)  # 1,176,000 pixels: two chunks of 2**20
    assert mean == pytest.approx(images.astype(np.float64).mean(), rel=1e-12)
    assert std == pytest.approx(images.astype(np.float64).std(), rel=1e-12)


def test_batches_draw_a_new_order_per_seed_and_epoch():
    config = small(seeds=(0, 3), batch_size=300, epochs=2)  # 1,000 images: 4 steps an epoch
    plan = training.schedule(1000, config)
    got = list(loop.batches(1000, config, plan, torch.device("cpu")))
    assert [tuple(b.shape) for b in got] == [(2, 300)] * 3 + [(2, 100)] + [(2, 300)] * 3 + [
        (2, 100)
    ]
    first, second = torch.cat(got[:4], dim=1), torch.cat(got[4:], dim=1)
    stream = torch.Generator().manual_seed(2**32 + 3)  # seed 3's own stream
    assert torch.equal(first[1], torch.randperm(1000, generator=stream))
    assert torch.equal(second[1], torch.randperm(1000, generator=stream))
    assert not torch.equal(first[0], first[1])


def test_progress_reads_as_one_line():
    progress = training.Progress(1234, 5000, 0.5, 3.0, float("nan"), 19455.4, pd.DataFrame())
    assert progress.text == "step 1,234 / 5,000 · epoch 0.50 · ETA … · 19,455 samples/s per model"
    assert "ETA 12 s" in training.Progress(1, 2, 0.1, 1.0, 12.4, 1.0, pd.DataFrame()).text
    assert progress.fraction == pytest.approx(0.2468)


class LinearOnImages(torch.nn.Module):
    """Logistic regression per member on ``[N, 1, 28, 28]`` images: another StackedModel."""

    def __init__(self, seeds: int, members: int) -> None:
        super().__init__()
        self.S, self.A = seeds, members
        self.weight = torch.nn.Parameter(torch.zeros(seeds, members, 10, 784))
        self.bias = torch.nn.Parameter(torch.zeros(seeds, members, 10))

    def inputs(self, pixels, shift, scale):
        return training.scale_pixels(pixels, shift, scale).view(-1, 1, 28, 28)

    def forward(self, x):  # [S, B, 1, 28, 28] -> [S, A, B, 10]
        return torch.einsum("sbp,sacp->sabc", x.flatten(2), self.weight) + self.bias[:, :, None]

    def member_weights(self, seed_index, member):
        return [(self.weight[seed_index, member].detach(), self.bias[seed_index, member].detach())]


def test_the_loop_trains_any_stacked_model(monkeypatch):
    """The loop talks to a model only through inputs / forward / member_weights (S, A)."""
    monkeypatch.setattr(loop, "build_model", lambda config, d, c: LinearOnImages(1, 2))
    config = small(activations=("relu", "tanh"), epochs=2, evals_per_epoch=2, lr=0.01)
    result = training.train(config)
    assert isinstance(result.model, LinearOnImages)
    relu = result.history[result.history["activation"] == "ReLU"]
    assert len(relu) == 4 and relu["test_loss"].iloc[-1] < relu["test_loss"].iloc[0]
    assert result.test_accuracy["ReLU"] > 0.7


def test_the_recorder_stops_a_diverged_member_and_names_its_seed():
    config = small(activations=("relu", "tanh"), seeds=(0, 7))
    data = training.tensor_data(config)
    plan = training.schedule(len(data.train_y), config)
    record = training.Recorder(config, plan, data, torch.device("cpu"))
    record.add_step(torch.tensor([[1.0, 2.0], [3.0, float("inf")]], dtype=torch.float64), 50)
    record.check_divergence(record.train_loss())
    assert record.alive.tolist() == [[True, True], [True, False]]
    assert record.messages == {
        "Tanh": "Tanh (seed 7): the training loss became inf by step 1; that run was stopped. "
        "Try a smaller learning rate."
    }
    test_loss, accuracy = torch.tensor([[0.5, 0.6], [0.7, 0.8]]), torch.full((2, 2), 0.9)
    probabilities = torch.rand(2, len(data.test_y), 10)
    record.evaluation(record.train_loss(), (test_loss, accuracy, probabilities), seconds=1.5)
    history = record.history()
    assert list(history.columns) == training.HISTORY_COLUMNS
    assert list(zip(history["activation"], history["seed"], strict=True)) == [
        ("ReLU", 0),
        ("Tanh", 0),
        ("ReLU", 7),  # Tanh of seed 7 diverged: no row
    ]
    assert history["epoch"].tolist() == [1 / 20] * 3 and history["seconds"].tolist() == [1.5] * 3
    torch.testing.assert_close(record.probabilities, probabilities)  # seed 0's members
    assert record.samples_seen == 50 and record.progress(loop.Clock()).step == 1


def test_validation_split_is_the_snn_tutorials_rule_and_disjoint_from_training():
    config = small(validation_share=6, train_limit=None)
    data = training.tensor_data(config)
    bundled = datasets.load("mnist", "bundled")
    n = len(bundled.train_labels)  # 5,000
    held = np.random.default_rng(42).choice(np.arange(n), size=n // 6, replace=False)
    kept = np.delete(np.arange(n), held)
    assert len(data.val_y) == 833 and len(data.train_y) == 4167
    flat = bundled.train_images.reshape(n, -1)
    assert torch.equal(data.val_x, torch.from_numpy(flat[held]))
    assert torch.equal(data.train_x, torch.from_numpy(flat[kept]))
    assert training.training_samples(config, n) == 4167
    assert training.validation_samples(config, n) == 833


@pytest.mark.parametrize(
    ("scaling", "mean", "std"),
    [("normalize_half", 0.5, 0.5), ("normalize_mnist", 0.1307, 0.3081), ("divide_by_255", 0, 1)],
)
def test_fixed_normalisations_are_totensor_then_normalize(scaling, mean, std):
    data = training.tensor_data(small(input_scaling=scaling))
    pixels = data.train_x[:3]
    want = (pixels.double() / 255 - mean) / std  # torchvision: ToTensor(), Normalize(mean, std)
    torch.testing.assert_close(data.to_float(pixels).double(), want, rtol=1e-6, atol=1e-6)


def test_drop_last_skips_the_short_batch():
    assert training.schedule(1030, small(drop_last=True)).steps_per_epoch == 20
    assert training.schedule(1030, small()).steps_per_epoch == 21
    result = training.train(small(train_limit=1030, drop_last=True, epochs=1))
    assert result.samples_seen == 1000


def reference_early_stopping(config, data, name, patience):
    """A textbook loop (UvA tutorial 3's train_model): one nn.Sequential, the batches train()
    draws, validation after every epoch, checkpoint on a strictly better validation accuracy,
    stop once the best is ``patience`` epochs old, test accuracy of the best checkpoint."""
    layers = training.initial_weights((784, 32, 10), seed=0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 32), activations.module(name), torch.nn.Linear(32, 10)
    )
    with torch.no_grad():
        for linear, (w, b) in zip((model[0], model[2]), layers, strict=True):
            linear.weight.copy_(w)
            linear.bias.copy_(b)
    opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    generator = torch.Generator().manual_seed(2**32)
    n = len(data.train_y)

    def accuracy(x, y):
        with torch.no_grad():
            return (model(data.to_float(x)).argmax(1) == y).double().mean().item()

    best_val, best_epoch, best_state, epochs = -1.0, -1, None, 0
    for epoch in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - config.batch_size + 1, config.batch_size):
            index = order[start : start + config.batch_size]
            loss = F.cross_entropy(model(data.to_float(data.train_x[index])), data.train_y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
        epochs = epoch + 1
        val = accuracy(data.val_x, data.val_y)
        if val > best_val:
            best_val, best_epoch = val, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        elif best_epoch <= epoch - patience:
            break
    model.load_state_dict(best_state)
    return accuracy(data.test_x, data.test_y), best_epoch + 1, epochs


@pytest.mark.slow
def test_early_stopping_reports_the_test_accuracy_of_the_best_validation_checkpoint():
    config = small(
        activations=("relu", "sigmoid"),
        optimizer="sgd",
        lr=0.3,
        momentum=0.9,
        epochs=12,
        validation_share=5,
        patience=2,
        drop_last=True,
        train_limit=800,
    )
    result = training.train(config)
    data = training.tensor_data(config)
    table = training.summary_table(result).set_index("activation")
    for name, title in zip(("relu", "sigmoid"), config.titles, strict=True):
        test_acc, best_epoch, epochs = reference_early_stopping(config, data, name, 2)
        assert result.test_accuracy[title] == pytest.approx(test_acc, abs=2e-4)
        assert table.loc[title, "checkpoint epoch"] == best_epoch
        assert table.loc[title, "epochs run"] == epochs
        rows = result.history[result.history["activation"] == title]
        assert rows["val_accuracy"].notna().all()
        best = rows.loc[rows["val_accuracy"].idxmax()]
        assert best["test_accuracy"] == pytest.approx(result.test_accuracy[title])
    # With this lr at least one member stops before the last epoch, and the loop ends when all
    # have: the reference's stop epochs are the history's ends.
    assert (table["epochs run"] < 12).any()
