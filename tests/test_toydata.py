"""actlab.toydata: TF Playground's generators (dataset.ts) re-derived; shapes, balance, split."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from actlab import toydata


@pytest.mark.parametrize("name", toydata.CLASSIFICATION)
def test_classification_sets_are_deterministic_and_shaped(name):
    data = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=4)
    again = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=4)
    other = toydata.make(name, n_points=301, noise=0.1, train_fraction=0.6, seed=5)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(data, field), getattr(again, field))
    assert not (
        torch.equal(data.x_train, other.x_train) and torch.equal(data.y_train, other.y_train)
    )
    assert data.task == "classification" and data.n_classes == toydata.n_classes(name)
    assert data.x_train.shape == (len(data.y_train), 2) and data.x_train.dtype == torch.float32
    assert data.x_test.shape == (len(data.y_test), 2)
    assert len(data.y_train) + len(data.y_test) == 301
    labels = torch.cat([data.y_train, data.y_test])
    assert set(labels.tolist()) == set(map(float, range(data.n_classes)))
    assert data.extent == toydata.TF_EXTENT


@pytest.mark.parametrize(
    ("name", "sizes"),
    [
        ("circle", [151, 150]),
        ("gaussians", [151, 150]),
        ("spiral", [151, 150]),
        ("spiral3", [101, 100, 100]),
    ],
)
def test_exact_class_balance_without_noise_and_a_stratified_split(name, sizes):
    _, labels = toydata.classification_points(name, 301, 0.0, 0)
    assert np.bincount(labels).tolist() == sizes
    data = toydata.make(name, n_points=301, train_fraction=0.6, seed=0)
    train_counts = np.bincount(data.y_train.numpy().astype(int)).tolist()
    assert train_counts == [round(0.6 * s) for s in sizes]


def test_xor_is_about_balanced():
    _, labels = toydata.classification_points("xor", 4000, 0.0, 0)
    assert abs(labels.mean() - 0.5) < 0.03  # 4,000 fair coins: sd 0.008


def test_circle_is_tfs_without_noise():
    """dataset.ts: half inside r < 2.5 labelled +1 (our class 1), half with r in [3.5, 5]."""
    points, labels = toydata.classification_points("circle", 400, 0.0, 0)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[labels == 1].max() < 2.5
    assert radius[labels == 0].min() >= 3.5 and radius[labels == 0].max() <= 5.0


def test_circle_and_xor_noise_moves_the_label_not_the_point():
    """TF noises the point at which the label is read, U(-5, 5)·noise per axis."""
    for name, rule in (
        ("circle", lambda p: np.hypot(*p.T) < 2.5),
        ("xor", lambda p: p[:, 0] * p[:, 1] >= 0),
    ):
        clean, clean_labels = toydata.classification_points(name, 2000, 0.0, 3)
        noisy, noisy_labels = toydata.classification_points(name, 2000, 0.3, 3)
        np.testing.assert_array_equal(clean, noisy)
        np.testing.assert_array_equal(clean_labels, rule(clean))
        flipped = (noisy_labels != clean_labels).mean()
        assert 0.05 < flipped < 0.5, flipped


def test_xor_points_keep_tfs_padding():
    points, _ = toydata.classification_points("xor", 2000, 0.0, 1)
    assert np.abs(points).min() >= 0.3 and np.abs(points).max() <= 5.3


@pytest.mark.parametrize(("noise", "variance"), [(0.0, 0.5), (0.5, 4.0)])
def test_two_gaussians_are_tfs(noise, variance):
    """dataset.ts: centres (2, 2) for +1 and (-2, -2) for -1, variance scaled [0, .5] -> [.5, 4]."""
    points, labels = toydata.classification_points("gaussians", 8000, noise, 2)
    for label, centre in ((1, 2.0), (0, -2.0)):
        cloud = points[labels == label]
        sd_mean = math.sqrt(variance / len(cloud))
        np.testing.assert_allclose(cloud.mean(axis=0), [centre, centre], atol=5 * sd_mean)
        np.testing.assert_allclose(cloud.var(axis=0), [variance, variance], rtol=0.08)


def spiral_reference(m: int, turn: float) -> np.ndarray:
    """dataset.ts genSpiral without noise, written out point by point."""
    arm = []
    for i in range(m):
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + turn
        arm.append((r * math.sin(t), r * math.cos(t)))
    return np.array(arm)


def test_spirals_are_tfs_and_noise_jitters_the_points():
    points, labels = toydata.classification_points("spiral", 300, 0.0, 3)
    np.testing.assert_allclose(points[labels == 1], spiral_reference(150, 0.0), atol=1e-12)
    np.testing.assert_allclose(points[labels == 0], spiral_reference(150, math.pi), atol=1e-12)
    three, three_labels = toydata.classification_points("spiral3", 300, 0.0, 3)
    for k in range(3):
        np.testing.assert_allclose(
            three[three_labels == k], spiral_reference(100, 2 * math.pi * k / 3), atol=1e-12
        )
    noisy, _ = toydata.classification_points("spiral", 300, 0.2, 3)
    shift = noisy - points
    assert np.abs(shift).max() <= 0.2 and shift.std() > 0.05  # U(-1, 1)·noise per axis


def test_plane_regression_is_tfs():
    """dataset.ts regressPlane: U(-6, 6)², label (x1 + x2)/10 (d3 scale [-10, 10] -> [-1, 1])."""
    x, y = toydata.regression_points("plane", 1000, 0.0, 0)
    assert x.shape == (1000, 2) and np.abs(x).max() <= 6.0
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10)
    noisy_x, noisy_y = toydata.regression_points("plane", 1000, 0.2, 0)
    np.testing.assert_array_equal(noisy_x, x)
    residual = noisy_y - y  # (noise_x + noise_y)/10 with noise U(-6, 6)·0.2 per axis
    assert np.abs(residual).max() <= 2 * 6 * 0.2 / 10 + 1e-12
    np.testing.assert_allclose(residual.std(), math.sqrt(2 * (1.2**2 / 3)) / 10, rtol=0.1)


def multigauss_reference(x: float, y: float) -> float:
    """dataset.ts regressGaussian getLabel, line by line."""
    label = 0.0
    for cx, cy, sign in [
        [-4, 2.5, 1],
        [0, 2.5, -1],
        [4, 2.5, 1],
        [-4, -2.5, -1],
        [0, -2.5, 1],
        [4, -2.5, -1],
    ]:
        d = math.hypot(x - cx, y - cy)
        new = sign * min(1.0, max(0.0, 1 - d / 2))  # scale [0, 2] -> [1, 0], clamped
        if abs(new) > abs(label):
            label = new
    return label


def test_multigauss_regression_is_tfs():
    x, y = toydata.regression_points("multigauss", 500, 0.0, 1)
    expected = [multigauss_reference(a, b) for a, b in x]
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert toydata.multigauss_target(
        np.array([[-4, 2.5], [0, 2.5], [0, 0], [-4, 1.5]])
    ).tolist() == [
        1.0,
        -1.0,
        0.0,
        0.5,
    ]


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
        toydata.classification_points("plane", 10, 0.0, 0)
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


def test_catalogue_facts():
    assert set(toydata.NOT_LINEARLY_SEPARABLE) <= set(toydata.CLASSIFICATION)
    assert "gaussians" not in toydata.NOT_LINEARLY_SEPARABLE
    assert [toydata.n_classes(n) for n in ("circle", "spiral3", "plane")] == [2, 3, 0]
    assert set(toydata.DISPLAY_NAMES) >= set(toydata.CLASSIFICATION + toydata.REGRESSION_2D)
    assert toydata.TF_DEFAULT_POINTS == {"classification": 500, "regression": 1200}
