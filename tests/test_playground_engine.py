"""The TF-Playground parts of actlab.playground against hand computations in float64: input
features, losses (binary, multi-class, regression), per-layer activations, L1/L2, TF's init,
rewind, replay and side-by-side runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actlab import playground, playground_frame, toydata
from actlab import playground_features as features
from actlab.playground import PlaygroundConfig, PlaygroundTrainer

SMALL = {"n_points": 200}


def test_each_feature_is_its_closed_form():
    x = torch.tensor([[0.5, -2.0], [3.0, 1.5], [-4.0, 0.25]], dtype=torch.float64)
    a, b = x[:, 0].numpy(), x[:, 1].numpy()
    expected = {
        "x1": a,
        "x2": b,
        "x1sq": a**2,
        "x2sq": b**2,
        "x1x2": a * b,
        "sin_x1": np.sin(a),
        "sin_x2": np.sin(b),
    }
    assert list(features.FEATURES) == list(expected)  # TF's order (playground.ts INPUTS)
    for name, values in expected.items():
        np.testing.assert_allclose(features.feature(name, x).numpy(), values)
    matrix = features.feature_matrix(("sin_x2", "x1"), x)
    np.testing.assert_allclose(matrix.numpy(), np.column_stack([np.sin(b), a]))


def test_feature_choice_is_checked_and_put_in_tfs_order():
    assert features.check(["sin_x1", "x1"]) == ("x1", "sin_x1")
    for bad, message in (([], "at least one"), (["x9"], "unknown"), (["x1", "x1"], "repeated")):
        with pytest.raises(ValueError, match=message):
            features.check(bad)


def test_the_model_reads_its_features_from_raw_inputs():
    config = PlaygroundConfig(features=("x1sq", "x2sq", "sin_x1"), hidden=(3,), **SMALL)
    assert config.sizes == (3, 3, 1)
    model = playground.build_model(config)
    x = torch.randn(6, 2)
    h = torch.stack([x[:, 0] ** 2, x[:, 1] ** 2, torch.sin(x[:, 0])], dim=1)
    first, second = model.linears
    expected = second(torch.tanh(first(h)))
    torch.testing.assert_close(model(x), expected)


def logits_and_labels(classes: int, n: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(classes)
    z = torch.randn(n, max(classes, 1), generator=generator, dtype=torch.float64) * 2
    y = torch.randint(0, max(classes, 2), (n,), generator=generator).double()
    return z, y


def test_binary_losses_match_hand_computation():
    z, y = logits_and_labels(1)
    zs, ys = z[:, 0].numpy(), y.numpy()
    p = 1 / (1 + np.exp(-zs))
    bce = np.mean(-(ys * np.log(p) + (1 - ys) * np.log(1 - p)))
    ce = PlaygroundConfig(loss="cross_entropy")
    assert float(playground.data_loss(ce, z, y)) == pytest.approx(bce, rel=1e-12)
    squared = PlaygroundConfig(loss="squared")  # nn.ts Errors.SQUARE on a tanh output, t = ±1
    tf = np.mean(0.5 * (np.tanh(zs) - np.where(ys == 1, 1.0, -1.0)) ** 2)
    assert float(playground.data_loss(squared, z, y)) == pytest.approx(tf, rel=1e-12)
    assert squared.output == "tanh" and ce.output == "sigmoid"
    np.testing.assert_allclose(playground.output_values(squared, z).numpy(), (1 + np.tanh(zs)) / 2)


def test_multi_class_losses_match_hand_computation():
    z, y = logits_and_labels(3)
    zs, ys = z.numpy(), y.numpy().astype(int)
    softmax = np.exp(zs) / np.exp(zs).sum(axis=1, keepdims=True)
    ce = np.mean([-math.log(softmax[i, ys[i]]) for i in range(len(ys))])
    onehot = np.eye(3)[ys]
    sq = np.mean(0.5 * ((softmax - onehot) ** 2).sum(axis=1))
    config = PlaygroundConfig(dataset="spiral3")
    assert config.output == "softmax" and config.sizes[-1] == 3
    assert float(playground.data_loss(config, z, y)) == pytest.approx(ce, rel=1e-12)
    squared = PlaygroundConfig(dataset="spiral3", loss="squared")
    assert float(playground.data_loss(squared, z, y)) == pytest.approx(sq, rel=1e-12)
    np.testing.assert_array_equal(
        playground.predicted_classes(config, z).numpy(), softmax.argmax(axis=1)
    )


def test_regression_loss_is_half_the_squared_error_whatever_the_loss_choice():
    z, _ = logits_and_labels(1)
    y = torch.linspace(-1, 1, len(z), dtype=torch.float64)
    expected = np.mean(0.5 * (z[:, 0].numpy() - y.numpy()) ** 2)
    for loss in playground.LOSSES:
        config = PlaygroundConfig(dataset="plane", loss=loss)
        assert config.output == "linear" and config.effective_loss == "squared"
        assert float(playground.data_loss(config, z, y)) == pytest.approx(expected, rel=1e-12)


def test_reported_loss_and_accuracy_of_a_three_class_run():
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="spiral3", hidden=(8,), **SMALL))
    with torch.no_grad():
        z = trainer.model(trainer.data.x_train).double().numpy()
    y = trainer.data.y_train.numpy().astype(int)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    first = trainer.history.iloc[0]
    assert first["train_loss"] == pytest.approx(-log_softmax[np.arange(len(y)), y].mean(), rel=1e-5)
    assert first["train_accuracy"] == pytest.approx((z.argmax(axis=1) == y).mean())
    trainer.step(30)
    assert trainer.history["train_loss"].iloc[-1] < 0.95 * first["train_loss"]
    assert set(playground_frame.frame(trainer, grid=10, neuron_grid=5).prediction) <= {0, 1, 2}


def test_each_layer_has_its_own_activation():
    acts = ("relu", "linear", "custom:x * sigmoid(x)")
    config = PlaygroundConfig(hidden=(4, 3, 2), activations=acts, **SMALL)
    assert config.layer_activations == acts and not config.is_linear
    model = playground.build_model(config)
    x = torch.randn(5, 2)
    l1, l2, l3, out = model.linears
    h = torch.relu(l1(x))
    h = l2(h)
    h = l3(h)
    h = h * torch.sigmoid(h)
    torch.testing.assert_close(model(x), out(h))
    assert PlaygroundConfig(hidden=(2, 2), activations=("linear", "linear")).is_linear
    formulas = playground.model_formulas(config)
    assert r"h_\ell = f_\ell(" in formulas[0]


def test_penalty_values():
    config = PlaygroundConfig(hidden=(3,), init="playground", **SMALL)
    model = playground.build_model(config)
    weights = [m.weight.detach().double().numpy() for m in model.linears]
    l1_sum = sum(np.abs(w).sum() for w in weights)
    l2_sum = sum((w**2).sum() for w in weights)
    assert playground.penalty(model, 0.0, 0.0) == 0.0
    assert playground.penalty(model, 0.3, 0.0) == pytest.approx(0.3 * l1_sum)
    assert playground.penalty(model, 0.0, 0.2) == pytest.approx(0.2 * 0.5 * l2_sum)
    assert playground.penalty(model, 0.3, 0.2) == pytest.approx(0.3 * l1_sum + 0.1 * l2_sum)


def test_l1_is_tfs_update_and_dead_links_stay_at_zero():
    """nn.ts: w ← w − lr·∇w; then w − lr·l1·sign(w), or 0 (dead for good) when that crosses 0."""
    config = PlaygroundConfig(
        optimizer="sgd", lr=0.1, l1=0.5, batch_size=0, init="playground", hidden=(8,), **SMALL
    )
    trainer = PlaygroundTrainer(config)
    reference = playground.build_model(config)
    z = reference(trainer.data.x_train)
    playground.data_loss(config, z, trainer.data.y_train).backward()
    trainer.step(1)
    for after, before in zip(trainer.model.linears, reference.linears, strict=True):
        w = (before.weight - 0.1 * before.weight.grad).detach().double().numpy()
        shrunk = w - 0.1 * 0.5 * np.sign(w)
        expected = np.where(w * shrunk < 0, 0.0, shrunk)
        np.testing.assert_allclose(after.weight.detach().numpy(), expected, atol=1e-6)
        b = (before.bias - 0.1 * before.bias.grad).detach().numpy()  # biases: no penalty
        np.testing.assert_allclose(after.bias.detach().numpy(), b, atol=1e-6)
    dead = [m.weight.detach() == 0 for m in trainer.model.linears]
    assert sum(int(d.sum()) for d in dead) > 0
    trainer.retune(PlaygroundConfig(**{**config.__dict__, "l1": 0.0}))
    trainer.step(5)  # no L1 any more, yet TF's dead links never come back
    for mask, linear in zip(dead, trainer.model.linears, strict=True):
        assert (linear.weight.detach()[mask] == 0).all()


def test_tensorflow_init_and_defaults():
    config = playground.tensorflow_defaults()
    assert (config.dataset, config.n_points, config.hidden, config.activation) == (
        "circle",
        500,
        (4, 2),
        "tanh",
    )
    assert (config.lr, config.batch_size, config.optimizer, config.loss) == (
        0.03,
        10,
        "sgd",
        "squared",
    )
    assert config.feature_ids == ("x1", "x2") and config.l1 == config.l2 == 0.0
    assert playground.tensorflow_defaults(dataset="plane").n_points == 1200
    model = playground.build_model(config)
    for linear in model.linears:
        assert linear.weight.abs().max() <= 0.5
        assert torch.all(linear.bias == 0.1)
    assert not torch.equal(
        model.linears[0].weight, playground.build_model(config).linears[1].weight
    )


def test_rewind_gives_the_identical_start_and_the_identical_run():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    start = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.step(4)
    again = trainer.rewound()
    assert again.epoch == 0 and again.data is trainer.data
    for key, value in again.model.state_dict().items():
        assert torch.equal(value, start[key])
    again.step(4)
    assert again.history.equals(trainer.history)


def test_replay_with_another_activation_starts_from_the_same_weights():
    trainer = PlaygroundTrainer(PlaygroundConfig(activation="tanh", **SMALL))
    trainer.step(3)
    relu = trainer.replay(PlaygroundConfig(activation="relu", **SMALL))
    assert relu.data is trainer.data and relu.epoch == 0
    for key, value in relu.model.state_dict().items():
        assert torch.equal(value, trainer.initial_state[key])
    assert relu.config.activation == "relu"
    other_seed = trainer.replay(PlaygroundConfig(activation="relu", seed=9, **SMALL))
    for key, value in other_seed.model.state_dict().items():  # the start, not the seed, wins
        assert torch.equal(value, trainer.initial_state[key])
    with pytest.raises(ValueError, match="shape changed"):
        trainer.replay(PlaygroundConfig(hidden=(4,), **SMALL))
    with pytest.raises(ValueError, match="shape changed"):
        trainer.replay(PlaygroundConfig(features=("x1", "x1sq"), **SMALL))


def test_two_runs_side_by_side_share_data_and_start():
    a, b = playground.side_by_side(
        PlaygroundConfig(activation="relu", **SMALL), PlaygroundConfig(activation="tanh", **SMALL)
    )
    assert a.data is b.data
    for key, value in a.model.state_dict().items():
        assert torch.equal(value, b.model.state_dict()[key])
    a.step(2)
    b.step(2)
    assert not a.history.equals(b.history)
    wider_a, wider_b = playground.side_by_side(
        PlaygroundConfig(hidden=(8,), **SMALL), PlaygroundConfig(hidden=(4, 4), **SMALL)
    )
    assert wider_a.data is wider_b.data
    with pytest.raises(ValueError, match="noise differs"):
        playground.side_by_side(PlaygroundConfig(), PlaygroundConfig(noise=0.1))


def test_custom_data_must_be_given_and_match():
    with pytest.raises(ValueError, match="needs your points"):
        PlaygroundTrainer(PlaygroundConfig(dataset="custom"))
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [-1.0, -1.0]] * 3)
    y = np.array([0, 1, 0, 1] * 3)
    data = toydata.split("custom", x, y, 2, 0.5, 0)
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="custom"), data)
    assert trainer.step(2) == 2 and trainer.extent == pytest.approx(2.2)
    with pytest.raises(ValueError, match="classes"):
        PlaygroundTrainer(PlaygroundConfig(dataset="custom", custom_classes=3), data)
    with pytest.raises(ValueError, match="the data is 'custom'"):
        PlaygroundTrainer(PlaygroundConfig(), data)
