"""actlab.playground: learning, linear failure, divergence, live retuning and formulas."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from actlab import playground
from actlab.playground import PlaygroundConfig, PlaygroundTrainer

SMALL = {"n_points": 200}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_net_separates_the_circle_and_a_linear_net_cannot(seed):
    relu = PlaygroundTrainer(PlaygroundConfig(activation="relu", seed=seed, **SMALL))
    assert relu.step(60) == 60  # 60 epochs × 4 mini-batches of 32 (100 training points)
    assert relu.updates == 240
    assert relu.history["train_accuracy"].max() > 0.95
    linear = PlaygroundTrainer(PlaygroundConfig(activation="linear", seed=seed, **SMALL))
    linear.step(60)
    # One straight line can call at most about two thirds of the circle right, and only
    # with a coin flip's confidence: the loss stays at ln 2.
    assert linear.history["train_accuracy"].max() < 0.8
    assert linear.history["train_loss"].iloc[-1] > 0.68
    assert linear.diverged is None and relu.diverged is None


@pytest.mark.slow
def test_linear_net_on_xor_stays_near_chance():
    linear = PlaygroundTrainer(PlaygroundConfig(dataset="xor", activation="linear", **SMALL))
    linear.step(60)
    # TF's XOR is balanced only on average (200 points here): a line can exploit the slight
    # imbalance, and at best call three quadrants right (75 %, a little more on 100 points).
    assert linear.history["train_loss"].iloc[-1] > math.log(2) - 0.04
    assert linear.history["train_accuracy"].max() < 0.85
    tanh = PlaygroundTrainer(PlaygroundConfig(dataset="xor", activation="tanh", **SMALL))
    tanh.step(60)
    assert tanh.history["train_accuracy"].max() > 0.95


def test_linear_model_has_identity_activations_and_same_weights_as_others():
    linear = playground.build_model(PlaygroundConfig(activation="linear", hidden=(4, 3)))
    relu = playground.build_model(PlaygroundConfig(activation="relu", hidden=(4, 3)))
    assert [type(m).__name__ for m in linear.activations] == ["Identity"] * 2
    assert [m.name for m in relu.activations] == ["relu", "relu"]
    assert [tuple(m.weight.shape) for m in relu.linears] == [(4, 2), (3, 4), (1, 3)]
    for a, b in zip(linear.linears, relu.linears, strict=True):
        torch.testing.assert_close(a.weight, b.weight)
    assert len(playground.build_model(PlaygroundConfig(hidden=())).linears) == 1


def test_history_starts_untrained_and_matches_an_independent_loss():
    trainer = PlaygroundTrainer(PlaygroundConfig(activation="tanh", **SMALL))
    first = trainer.history.iloc[0]
    assert first["epoch"] == 0 and first["updates"] == 0
    with torch.no_grad():
        logits = trainer.model(trainer.data.x_train).squeeze(1).double()
    y = trainer.data.y_train.double()
    p = torch.sigmoid(logits)
    bce = float(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean())
    assert first["train_loss"] == pytest.approx(bce, rel=1e-5)
    accuracy = float(((logits > 0).double() == y).double().mean())
    assert first["train_accuracy"] == pytest.approx(accuracy)
    trainer.step(3)
    assert trainer.history["epoch"].tolist() == [0, 1, 2, 3]
    assert trainer.epoch == 3


def test_full_batch_is_one_update_per_epoch_and_runs_are_reproducible():
    config = PlaygroundConfig(batch_size=0, **SMALL)
    a, b = PlaygroundTrainer(config), PlaygroundTrainer(config)
    a.step(5)
    b.step(5)
    assert a.updates == 5
    pd.testing.assert_frame_equal(a.history, b.history)
    c = PlaygroundTrainer(PlaygroundConfig(batch_size=32, **SMALL))
    c.step(5)
    assert c.updates == 20
    assert not a.history.equals(c.history)


def test_budget_stops_early():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    assert trainer.step(1000, budget_seconds=0.0) == 1


def test_l2_is_tfs_update_on_weights_only():
    """nn.ts updateWeights: w ← w − lr·∇w, then w ← w − lr·l2·w; biases get no decay."""
    config = PlaygroundConfig(optimizer="sgd", lr=0.1, l2=0.5, batch_size=0, **SMALL)
    trainer = PlaygroundTrainer(config)
    reference = playground.build_model(config)
    x, y = trainer.data.x_train, trainer.data.y_train
    logits = reference(x).squeeze(1)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
    loss.backward()
    trainer.step(1)
    for (name, after), before in zip(
        trainer.model.named_parameters(), reference.parameters(), strict=True
    ):
        expected = before.detach() - 0.1 * before.grad
        if name.endswith("weight"):
            expected = expected - 0.1 * 0.5 * expected
        torch.testing.assert_close(after.detach(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_regression_learns_the_plane():
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="plane", activation="relu", **SMALL))
    trainer.step(100)
    assert trainer.history["train_loss"].iloc[-1] < 0.01 * trainer.history["train_loss"].iloc[0]
    assert trainer.history["train_accuracy"].isna().all()
    x = torch.tensor([[0.0, 0.0], [2.0, -1.0], [-4.0, 3.5], [3.0, 3.0]])
    with torch.no_grad():
        prediction = trainer.model(x)[:, 0]
    torch.testing.assert_close(prediction, (x[:, 0] + x[:, 1]) / 10, rtol=0, atol=0.05)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"optimizer": "adam", "activation": "tanh", "batch_size": 0}, "stayed above 10×"),
        ({"dataset": "multigauss", "optimizer": "sgd", "activation": "relu"}, "jumped to"),
        ({"dataset": "plane", "optimizer": "sgd", "batch_size": 8}, "became inf"),
    ],
)
def test_learning_rate_ten_diverges_with_a_message(changes, reason):
    trainer = PlaygroundTrainer(PlaygroundConfig(lr=10.0, **changes))
    done = trainer.step(200)
    assert trainer.diverged is not None and reason in trainer.diverged
    assert "learning rate 10" in trainer.diverged
    assert done < 200
    assert trainer.step(5) == 0  # stays stopped until reset


def test_retune_keeps_the_model_for_live_settings_only():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    trainer.step(2)
    faster = PlaygroundConfig(lr=0.1, l2=0.01, batch_size=16, **SMALL)
    assert trainer.retune(faster)
    assert trainer.config == faster and trainer.epoch == 2
    assert all(group["lr"] == 0.1 for group in trainer.optimizer.param_groups)
    assert trainer.retune(PlaygroundConfig(lr=0.1, l1=0.003, batch_size=16, **SMALL))
    trainer.step(1)
    assert trainer.updates == 2 * 4 + 7  # 100 points: batches of 32, then of 16
    assert not trainer.retune(PlaygroundConfig(activation="relu", **SMALL))
    assert not trainer.retune(PlaygroundConfig(loss="squared", **SMALL))
    assert trainer.config.l1 == 0.003


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hidden": (8,) * 7}, "at most 6 hidden"),
        ({"hidden": (17,)}, "1 to 16 units"),
        ({"activation": "no_such_function"}, "unknown activation"),  # swish is real since #16
        ({"lr": 0.0}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"batch_size": -1}, "batch size"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"l2": 2.0}, "L2"),
        ({"dataset": "moons"}, "unknown dataset"),
        ({"noise": 3.0}, "noise"),
        ({"l1": -0.1}, "L1"),
        ({"loss": "hinge"}, "loss"),
        ({"init": "zeros"}, "initialisation"),
        ({"features": ()}, None),
        ({"features": ("x3",)}, "unknown input feature"),
        ({"features": ("x1", "x1")}, "repeated"),
        ({"activations": ("relu",)}, "one activation per hidden layer"),
        ({"activations": ("relu", "nope")}, "unknown activation"),
        ({"activations": ("relu", "custom:x +")}, "formula|syntax|x"),
        ({"hidden": (True,)}, "units"),
        ({"seed": -1}, "weight seed"),
        ({"dataset": "custom", "custom_classes": 5}, "classes"),
        ({"dataset": "custom", "noise": float("nan")}, "noise"),
    ],
)
def test_config_rejects_bad_values_by_name(changes, message):
    if message is None:  # empty features mean the default ones
        assert PlaygroundConfig(**changes).feature_ids == ("x1", "x2")
        return
    with pytest.raises(ValueError, match=message):
        PlaygroundConfig(**changes)


def test_no_activation_is_the_selectors_linear_value_not_a_catalogue_id():
    assert playground.NO_ACTIVATION == "linear"  # the URL value of pg_act; links keep working
    assert playground.activation_label("linear") == "linear (none)"
    assert playground.activation_label("relu") == "ReLU"
    assert PlaygroundConfig(activation="linear").is_linear
    assert PlaygroundConfig(activation="relu", hidden=()).is_linear
    assert not PlaygroundConfig(activation="relu").is_linear


def test_config_from_form_converts_the_controls():
    config = playground.config_from_form(
        dataset="xor",
        noise=0.1,
        train_percent=70,
        n_points=200,
        data_seed=3,
        layers=3,
        units=5,
        activation="relu",
        lr=0.1,
        batch_size=0,
        optimizer="sgd",
        l2=0.001,
        seed=4,
    )
    assert config == PlaygroundConfig(
        dataset="xor",
        noise=0.1,
        train_fraction=0.7,
        n_points=200,
        data_seed=3,
        hidden=(5, 5, 5),
        activation="relu",
        lr=0.1,
        batch_size=0,
        optimizer="sgd",
        l2=0.001,
        seed=4,
    )
    assert playground.config_from_form(**{**FORM, "layers": 0}).hidden == ()
    with pytest.raises(ValueError, match="batch size"):
        playground.config_from_form(**{**FORM, "batch_size": 5000})


FORM = {
    "dataset": "circle",
    "noise": 0.0,
    "train_percent": 50,
    "n_points": 100,
    "data_seed": 0,
    "layers": 2,
    "units": 8,
    "activation": "tanh",
    "lr": 0.03,
    "batch_size": 32,
    "optimizer": "adam",
    "l2": 0.0,
    "seed": 0,
}


@pytest.mark.parametrize(
    ("optimizer", "torch_class"), [("adam", torch.optim.Adam), ("sgd", torch.optim.SGD)]
)
def test_optimizer_comes_from_the_shared_table_without_weight_decay(optimizer, torch_class):
    trainer = PlaygroundTrainer(PlaygroundConfig(optimizer=optimizer, l2=0.01, **SMALL))
    assert type(trainer.optimizer) is torch_class
    groups = trainer.optimizer.param_groups
    assert all(group["lr"] == 0.03 and group["weight_decay"] == 0 for group in groups)


def test_linear_note_only_for_linear_networks_on_curved_data():
    note = playground.linear_note(PlaygroundConfig(dataset="xor", activation="linear"))
    assert "no activation" in note and "XOR cannot be split by one line" in note
    no_hidden = playground.linear_note(PlaygroundConfig(dataset="spiral", hidden=()))
    assert "no hidden layer" in no_hidden
    assert playground.linear_note(PlaygroundConfig(dataset="xor", activation="relu")) is None
    assert playground.linear_note(PlaygroundConfig(dataset="gaussians", hidden=())) is None
    squares = PlaygroundConfig(dataset="circle", hidden=(), features=("x1sq", "x2sq"))
    assert playground.linear_note(squares) is None  # x1² + x2² makes the circle a line


def test_model_formulas_follow_the_configuration():
    classification = playground.model_formulas(PlaygroundConfig(hidden=(8, 4)))
    assert len(classification) == 2
    assert r"\text{sizes } 2 \to 8 \to 4 \to 1" in classification[0]
    assert classification[0].startswith(r"h_0 = \phi(x),\quad h_\ell = f(")
    assert r"z = W_{3} h_{2} + b_{3}" in classification[0]  # the output layer is affine
    assert "binary cross-entropy" in classification[1]
    assert r"\big[\log(1 + e^{z_i}) - y_i z_i\big]" in classification[1]  # the whole term
    linear = playground.model_formulas(
        PlaygroundConfig(dataset="plane", activation="linear", hidden=(3,), l2=0.01)
    )
    assert r"h_\ell = \mathrm{id}(" in linear[0] and "sizes } 2 \\to 3 \\to 1" in linear[0]
    assert r"\tfrac12\big(z_i - y_i\big)^2" in linear[1]  # regression: the affine output
    # TF's regularisation, as it is applied: a step after each update, weights only
    assert r"w \leftarrow w - \eta\,\big(0.01\,w + 0\,\mathrm{sign}(w)\big)" in linear[2]
    no_hidden = playground.model_formulas(PlaygroundConfig(hidden=(), l1=0.003, loss="squared"))
    assert no_hidden[0].startswith(r"z = W_1 \phi(x) + b_1")
    assert r"\tanh z_i - t_i" in no_hidden[1]
    assert r"\big(0\,w + 0.003\,\mathrm{sign}(w)\big)" in no_hidden[2]
