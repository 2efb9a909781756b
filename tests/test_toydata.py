"""actlab.toydata: deterministic per seed, right shapes, exact class balance, right geometry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from actlab import toydata


@pytest.mark.parametrize("name", toydata.CLASSIFICATION)
def test_classification_sets_are_deterministic_balanced_and_shaped(name):
    data = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=4)
    again = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=4)
    other = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=5)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(data, field), getattr(again, field))
    assert not torch.equal(data.x_train, other.x_train)
    assert data.task == "classification"
    assert data.x_train.shape == (len(data.y_train), 2) and data.x_train.dtype == torch.float32
    assert data.x_test.shape == (len(data.y_test), 2)
    assert len(data.y_train) + len(data.y_test) == 301
    labels = torch.cat([data.y_train, data.y_test])
    assert set(labels.tolist()) == {0.0, 1.0}
    assert int(labels.sum()) == 150  # class 1 gets the floor half, class 0 the extra point
    # Stratified 60 % split of 151 and 150 points.
    assert int(data.y_train.sum()) == 90 and len(data.y_train) == 91 + 90


def test_circle_geometry_without_noise():
    points, labels = toydata.classification_points("circle", 400, 0.0, 0)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[labels == 0].max() <= 0.5
    assert radius[labels == 1].min() >= 0.7 and radius[labels == 1].max() <= 1.0


def test_xor_labels_follow_the_sign_of_the_product():
    points, labels = toydata.classification_points("xor", 400, 0.0, 1)
    product_positive = points[:, 0] * points[:, 1] > 0
    np.testing.assert_array_equal(product_positive, labels == 1)
    assert np.abs(points).min() >= 0.05


def test_gaussians_and_spiral_geometry():
    points, labels = toydata.classification_points("gaussians", 2000, 0.0, 2)
    np.testing.assert_allclose(points[labels == 0].mean(axis=0), [-0.5, -0.5], atol=0.03)
    np.testing.assert_allclose(points[labels == 1].mean(axis=0), [0.5, 0.5], atol=0.03)
    spiral, spiral_labels = toydata.classification_points("spiral", 200, 0.0, 3)
    assert np.hypot(*spiral.T).max() <= 1.0
    assert spiral[spiral_labels == 0].shape == spiral[spiral_labels == 1].shape == (100, 2)
    # Arm 0 is (r sin θ, r cos θ) with θ = 3.5π (r − 0.05) / 0.95; arm 1 is its point reflection.
    for arm, sign in ((0, 1.0), (1, -1.0)):
        p = sign * spiral[spiral_labels == arm]
        r = np.hypot(*p.T)
        theta = 3.5 * np.pi * (r - 0.05) / 0.95
        np.testing.assert_allclose(p, np.column_stack([r * np.sin(theta), r * np.cos(theta)]))


def test_noise_moves_points_not_labels():
    clean, labels = toydata.classification_points("circle", 100, 0.0, 0)
    noisy, noisy_labels = toydata.classification_points("circle", 100, 0.2, 0)
    np.testing.assert_array_equal(labels, noisy_labels)
    shift = noisy - clean
    assert 0.1 < shift.std() < 0.3


@pytest.mark.parametrize("name", toydata.REGRESSION)
def test_regression_sets_follow_their_target(name):
    data = toydata.make(name, n_points=200, noise=0.0, train_fraction=0.5, seed=0)
    assert data.task == "regression"
    assert data.x_train.shape == (100, 1) and data.y_train.shape == (100,)
    x = data.x_train[:, 0].double().numpy()
    expected = {
        "sin": np.sin(np.pi * x),
        "abs": np.abs(x),
        "step": (x > 0).astype(float),
        "square": x**2,
    }[name]
    np.testing.assert_allclose(data.y_train.numpy(), expected, atol=1e-6)
    assert data.x_train.abs().max() <= 1.0
    noisy = toydata.make(name, n_points=200, noise=0.1, train_fraction=0.5, seed=0)
    assert torch.equal(noisy.x_train, data.x_train)
    assert 0.05 < float((noisy.y_train - data.y_train).std()) < 0.15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "moons"}, "unknown dataset"),
        ({"name": "circle", "n_points": 2}, "n_points"),
        ({"name": "circle", "noise": -0.1}, "noise"),
        ({"name": "circle", "noise": float("nan")}, "noise"),
        ({"name": "xor", "train_fraction": 0.95}, "train_fraction"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toydata.make(**kwargs)


def test_task_mismatch_is_an_error():
    with pytest.raises(ValueError, match="regression dataset"):
        toydata.classification_points("sin", 10, 0.0, 0)
    with pytest.raises(ValueError, match="classification dataset"):
        toydata.regression_points("xor", 10, 0.0, 0)


def test_check_arguments_is_the_public_check_the_playground_uses():
    toydata.check_arguments(4, 0.0, 0.1)
    toydata.check_arguments(toydata.MAX_POINTS, toydata.MAX_NOISE, 0.9)
    with pytest.raises(ValueError, match="n_points must be between 4 and 4000, got 4001"):
        toydata.check_arguments(4001, 0.0, 0.5)
    with pytest.raises(ValueError, match=r"noise must be a finite number in \[0, 0.5\]"):
        toydata.check_arguments(100, 0.6, 0.5)
    with pytest.raises(ValueError, match="train_fraction"):
        toydata.check_arguments(100, 0.0, 0.05)


def test_not_linearly_separable_sets_are_classification_sets():
    assert set(toydata.NOT_LINEARLY_SEPARABLE) <= set(toydata.CLASSIFICATION)
    assert "gaussians" not in toydata.NOT_LINEARLY_SEPARABLE
