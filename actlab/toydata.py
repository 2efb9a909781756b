"""Toy datasets for the playground: TensorFlow Playground's generators, plus a 3-arm spiral.

The 2-D sets follow ``src/dataset.ts`` of github.com/tensorflow/playground line by line, in its
coordinates (points in about [-6, 6]², the square TF draws) and with its meaning of noise (the
slider's percent / 100, so 0–0.5): circle and XOR noise moves the point used for the *label*,
not the point; the Gaussians widen (variance 0.5 → 4); the spirals jitter their points;
the regression planes noise the point the target is read at. TF's label +1 is our class 1 and
its −1 our class 0. The random stream is numpy's, seeded by ``seed`` (TF's is seedrandom), so
the sets are TF's distributions, not its exact samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from actlab import validate
from actlab.i18n import N_

CLASSIFICATION = ("circle", "xor", "gaussians", "spiral", "spiral3")
REGRESSION_2D = ("plane", "multigauss")
# Classification sets no straight line separates: a linear network cannot learn them.
NOT_LINEARLY_SEPARABLE = ("circle", "xor", "spiral", "spiral3")
DISPLAY_NAMES = {  # marked (N_): a page translates them when shown
    "circle": N_("Circle"),
    "xor": "XOR",
    "gaussians": N_("Two Gaussians"),
    "spiral": N_("Spiral"),
    "spiral3": N_("3-arm spiral (3 classes)"),
    "plane": N_("Plane (regression)"),
    "multigauss": N_("Multi-Gaussian (regression)"),
    "custom": N_("Your data"),
}
# TensorFlow Playground's own ids (state.ts), for readers comparing the two.
TF_IDS = {
    "circle": "circle",
    "xor": "xor",
    "gaussians": "gauss",
    "spiral": "spiral",
    "plane": "reg-plane",
    "multigauss": "reg-gauss",
}
# playground.ts: NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_REGRESS.
TF_DEFAULT_POINTS = {"classification": 500, "regression": 1200}
TF_EXTENT = 6.0  # playground.ts: xDomain = [-6, 6]
MAX_POINTS = 4000
MAX_NOISE = 0.5
MAX_CLASSES = 3
# dataset.ts, regressGaussian: (centre x, centre y, sign) of the six bumps.
MULTIGAUSS_BUMPS = (
    (-4, 2.5, 1),
    (0, 2.5, -1),
    (4, 2.5, 1),
    (-4, -2.5, -1),
    (0, -2.5, 1),
    (4, -2.5, -1),
)


@dataclass(frozen=True)
class ToyData:
    """One dataset, split. ``x_*``: float32 ``[n, 2]``; ``y_*``: float32 ``[n]`` (class index
    0, 1, 2, or regression targets)."""

    name: str
    task: str  # "classification" or "regression"
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    n_classes: int = 2  # 0 for regression
    view: float = 0.0  # the drawn square's half-width asked for (0: automatic)

    @property
    def input_dims(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def extent(self) -> float:
        """Half-width of the drawn square: TF's 6 for its sets; else ``view`` when given (a
        drawing canvas), widened to the data's reach, or the data's reach + 10 %."""
        if self.name in TF_IDS or self.name == "spiral3":
            return TF_EXTENT
        points = torch.cat([self.x_train, self.x_test])
        reach = math.ceil(float(points.abs().max()) * 11) / 10
        if self.view:
            return max(self.view, float(points.abs().max()))
        return max(1.2, reach)


def task_of(name: str) -> str:
    if name in CLASSIFICATION:
        return "classification"
    if name in REGRESSION_2D:
        return "regression"
    known = ", ".join(CLASSIFICATION + REGRESSION_2D)
    raise ValueError(
        f"unknown dataset {name!r}; expected one of: {known}"
    )  # internal: a bound list


def n_classes(name: str) -> int:
    """2 or 3 for a classification set, 0 for regression."""
    if task_of(name) == "regression":
        return 0
    return 3 if name == "spiral3" else 2


def check_arguments(n_points: int, noise: float, train_fraction: float) -> None:
    """``ValueError`` naming the first of ``make``'s size arguments out of range (the playground
    checks its configuration with it before anything is generated)."""
    validate.integer("n_points", n_points, 4, MAX_POINTS)
    validate.number("noise", noise, 0.0, MAX_NOISE)
    validate.number("train_fraction", train_fraction, 0.1, 0.9)


def _class_sizes(n_points: int, classes: int) -> list[int]:
    """Equal shares; the lower classes take the remainder (class 0 first)."""
    base, extra = divmod(n_points, classes)
    return [base + (1 if k < extra else 0) for k in range(classes)]


def classification_points(
    name: str, n_points: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n_points`` 2-D points (float64 ``[n, 2]``) and class labels (int ``[n]``)."""
    if task_of(name) != "classification":
        # internal: make() picks the generator by the dataset's task
        raise ValueError(f"{name!r} is a regression dataset, not a classification one")
    rng = np.random.default_rng(seed)
    if name == "circle":
        return _circle(rng, n_points, noise)
    if name == "xor":
        return _xor(rng, n_points, noise)
    if name == "gaussians":
        return _two_gaussians(rng, n_points, noise)
    arms = 3 if name == "spiral3" else 2
    return _spiral(rng, n_points, noise, arms)


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """dataset.ts classifyCircleData: half inside r < 2.5, half on the ring 3.5–5; the label is
    whether the point *plus noise* lies inside radius 2.5 (noise U(−5, 5)·noise per axis)."""
    n_outside, n_inside = _class_sizes(n, 2)
    radius = np.concatenate([rng.uniform(0, 2.5, n_inside), rng.uniform(3.5, 5.0, n_outside)])
    angle = rng.uniform(0, 2 * math.pi, n)
    points = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    shift = rng.uniform(-5.0, 5.0, size=(n, 2)) * noise
    labels = (np.hypot(*(points + shift).T) < 2.5).astype(np.int64)
    return points, labels


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """dataset.ts classifyXORData: U(−5, 5) pushed 0.3 away from each axis; class 1 where
    x1·x2 ≥ 0 at the noised point (noise U(−5, 5)·noise per axis)."""
    points = rng.uniform(-5.0, 5.0, size=(n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    shifted = points + rng.uniform(-5.0, 5.0, size=(n, 2)) * noise
    labels = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return points, labels


def _two_gaussians(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """dataset.ts classifyTwoGaussData: class 1 around (2, 2), class 0 around (−2, −2), variance
    0.5 + 7·noise (TF's scale [0, 0.5] → [0.5, 4]) on each axis."""
    n0, n1 = _class_sizes(n, 2)
    sd = math.sqrt(0.5 + 7.0 * noise)
    points = np.vstack([rng.normal(-2.0, sd, size=(n0, 2)), rng.normal(2.0, sd, size=(n1, 2))])
    labels = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return points, labels


def spiral_turn(label: int, arms: int) -> float:
    """Where arm ``label`` starts. Two arms as TF (class 1 at 0, class 0 at π); three arms
    evenly at 0, 2π/3, 4π/3 (our 3-class set)."""
    if arms == 2:
        return 0.0 if label == 1 else math.pi
    return 2 * math.pi * label / arms


def _spiral(
    rng: np.random.Generator, n: int, noise: float, arms: int
) -> tuple[np.ndarray, np.ndarray]:
    """dataset.ts classifySpiralData: point i of an arm of m points has r = 5·i/m and angle
    1.75·2π·i/m + turn, at (r sin t, r cos t), plus U(−1, 1)·noise per axis."""
    points, labels = [], []
    for label, size in enumerate(_class_sizes(n, arms)):
        i = np.arange(size)
        r = i / size * 5.0
        t = 1.75 * i / size * 2 * math.pi + spiral_turn(label, arms)
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        points.append(arm + rng.uniform(-1.0, 1.0, size=(size, 2)) * noise)
        labels.append(np.full(size, label, dtype=np.int64))
    return np.vstack(points), np.concatenate(labels)


def multigauss_target(points: np.ndarray) -> np.ndarray:
    """dataset.ts regressGaussian's label: of the six bumps sign·clamp(1 − d/2, 0, 1) (d the
    distance to the bump's centre), the one largest in absolute value."""
    best = np.zeros(len(points))
    for cx, cy, sign in MULTIGAUSS_BUMPS:
        value = sign * np.clip(1.0 - np.hypot(points[:, 0] - cx, points[:, 1] - cy) / 2, 0, 1)
        best = np.where(np.abs(value) > np.abs(best), value, best)
    return best


def regression_points(
    name: str, n_points: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (float64 ``[n, 2]``) and targets (``[n]``).

    ``plane`` (dataset.ts regressPlane): U(−6, 6)², target (x1 + x2)/10 read at the point plus
    U(−6, 6)·noise per axis. ``multigauss`` (regressGaussian): same points and noise, target
    ``multigauss_target``.
    """
    if task_of(name) != "regression":
        # internal: as for classification_points
        raise ValueError(f"{name!r} is a classification dataset, not a regression one")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-6.0, 6.0, size=(n_points, 2))
    at = x + rng.uniform(-6.0, 6.0, size=(n_points, 2)) * noise
    y = (at[:, 0] + at[:, 1]) / 10 if name == "plane" else multigauss_target(at)
    return x, y


def split(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    classes: int,
    train_fraction: float,
    seed: int,
    view: float = 0.0,
) -> ToyData:
    """Split into train and test. Classification splits are stratified (each class keeps its
    share in both; at least one point of a class with two or more goes to each side); the
    split has its own stream of the same seed."""
    validate.number("train_fraction", train_fraction, 0.1, 0.9)
    if classes:
        groups = [np.flatnonzero(y == label) for label in range(classes)]
    else:
        groups = [np.arange(len(y))]
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
        task="classification" if classes else "regression",
        x_train=tensor(x[train_index]),
        y_train=tensor(y[train_index]),
        x_test=tensor(x[test_index]),
        y_test=tensor(y[test_index]),
        n_classes=classes,
        view=view,
    )


def make(
    name: str, n_points: int = 400, noise: float = 0.0, train_fraction: float = 0.5, seed: int = 0
) -> ToyData:
    """Generate and split a dataset (see ``split``)."""
    task = task_of(name)
    check_arguments(n_points, noise, train_fraction)
    if task == "classification":
        x, y = classification_points(name, n_points, noise, seed)
    else:
        x, y = regression_points(name, n_points, noise, seed)
    return split(name, x, y, n_classes(name), train_fraction, seed)
