"""Toy datasets for the playground, after TensorFlow Playground's ``dataset.ts``.

Classification sets are 2-D points in about [-1, 1]² with labels 0/1, exactly half of each
class; regression sets are 1-D curves on [-1, 1]. Noise jitters the points (classification) or
the targets (regression) with a Gaussian of the given standard deviation. Everything comes from
one ``numpy`` generator seeded by ``seed``, so a dataset is a pure function of its arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from actlab import validate

CLASSIFICATION = ("circle", "xor", "gaussians", "spiral")
REGRESSION = ("sin", "abs", "step", "square")
# Classification sets no straight line separates: a linear network cannot learn them.
NOT_LINEARLY_SEPARABLE = ("circle", "xor", "spiral")
DISPLAY_NAMES = {
    "circle": "Circle",
    "xor": "XOR",
    "gaussians": "Two Gaussians",
    "spiral": "Spiral",
    "sin": "sin(πx)",
    "abs": "|x|",
    "step": "step (x > 0)",
    "square": "x²",
}
TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": lambda x: np.sin(math.pi * x),
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(np.float64),
    "square": np.square,
}
MAX_POINTS = 4000
MAX_NOISE = 0.5


@dataclass(frozen=True)
class ToyData:
    """One dataset, split. ``x_*``: float32 ``[n, 2]`` (classification) or ``[n, 1]``;
    ``y_*``: float32 ``[n]`` (0/1 labels, or regression targets)."""

    name: str
    task: str  # "classification" or "regression"
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def task_of(name: str) -> str:
    if name in CLASSIFICATION:
        return "classification"
    if name in REGRESSION:
        return "regression"
    known = ", ".join(CLASSIFICATION + REGRESSION)
    raise ValueError(f"unknown dataset {name!r}; expected one of: {known}")


def check_arguments(n_points: int, noise: float, train_fraction: float) -> None:
    """``ValueError`` naming the first of ``make``'s size arguments out of range (the playground
    checks its configuration with it before anything is generated)."""
    validate.integer("n_points", n_points, 4, MAX_POINTS)
    validate.number("noise", noise, 0.0, MAX_NOISE)
    validate.number("train_fraction", train_fraction, 0.1, 0.9)


def classification_points(
    name: str, n_points: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n_points`` 2-D points (float64 ``[n, 2]``) and labels (int ``[n]``), half per class
    (class 0 first; an odd count gives class 0 the extra point)."""
    if task_of(name) != "classification":
        raise ValueError(f"{name!r} is a regression dataset, not a classification one")
    rng = np.random.default_rng(seed)
    n1 = n_points // 2
    n0 = n_points - n1
    if name == "circle":  # class 0 inside radius 0.5, class 1 on the ring 0.7–1.0
        points = np.vstack([_ring(rng, n0, 0.0, 0.5), _ring(rng, n1, 0.7, 1.0)])
    elif name == "xor":  # label = sign(x1·x2), points kept a little away from the axes
        points = np.vstack([_xor_quadrants(rng, n0, same_sign=False), _xor_quadrants(rng, n1)])
    elif name == "gaussians":
        points = np.vstack(
            [rng.normal(-0.5, 0.25, size=(n0, 2)), rng.normal(0.5, 0.25, size=(n1, 2))]
        )
    else:  # spiral: two interleaved arms, one turned by π
        points = np.vstack([_spiral_arm(rng, n0, 0.0), _spiral_arm(rng, n1, math.pi)])
    points = points + rng.normal(0.0, noise, size=points.shape) if noise else points
    labels = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return points, labels


def _ring(rng: np.random.Generator, n: int, r_low: float, r_high: float) -> np.ndarray:
    radius = rng.uniform(r_low, r_high, n)
    angle = rng.uniform(0, 2 * math.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _xor_quadrants(rng: np.random.Generator, n: int, same_sign: bool = True) -> np.ndarray:
    """Points in quadrants I and III (``same_sign``) or II and IV, at least 0.05 from an axis."""
    magnitude = rng.uniform(0.05, 1.0, size=(n, 2))
    first = rng.choice([-1.0, 1.0], size=n)
    second = first if same_sign else -first
    return magnitude * np.column_stack([first, second])


def _spiral_arm(rng: np.random.Generator, n: int, turn: float) -> np.ndarray:
    t = rng.uniform(0.0, 1.0, n)
    radius = 0.05 + 0.95 * t
    angle = 1.75 * 2 * math.pi * t + turn
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])


def regression_points(
    name: str, n_points: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """x uniform on [-1, 1] (float64 ``[n, 1]``) and ``target(x) + noise·N(0, 1)``."""
    if task_of(name) != "regression":
        raise ValueError(f"{name!r} is a classification dataset, not a regression one")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_points, 1))
    y = TARGETS[name](x[:, 0])
    return x, y + rng.normal(0.0, noise, size=n_points) if noise else y


def make(
    name: str, n_points: int = 400, noise: float = 0.0, train_fraction: float = 0.5, seed: int = 0
) -> ToyData:
    """Generate and split a dataset. Classification splits are stratified, so train and test
    keep the 50/50 class balance; the split uses its own stream of the same seed."""
    task = task_of(name)
    check_arguments(n_points, noise, train_fraction)
    if task == "classification":
        x, y = classification_points(name, n_points, noise, seed)
        groups = [np.flatnonzero(y == label) for label in (0, 1)]
    else:
        x, y = regression_points(name, n_points, noise, seed)
        groups = [np.arange(n_points)]
    rng = np.random.default_rng([seed, 1])
    train, test = [], []
    for group in groups:
        shuffled = rng.permutation(group)
        cut = max(1, min(len(group) - 1, round(train_fraction * len(group))))
        train.append(shuffled[:cut])
        test.append(shuffled[cut:])
    train_index, test_index = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))

    def tensor(array: np.ndarray) -> Tensor:
        return torch.as_tensor(array, dtype=torch.float32)

    return ToyData(
        name=name,
        task=task,
        x_train=tensor(x[train_index]),
        y_train=tensor(y[train_index]),
        x_test=tensor(x[test_index]),
        y_test=tensor(y[test_index]),
    )
