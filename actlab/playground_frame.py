"""One animation frame of a playground run, compact enough to send ten times a second.

TF Playground redraws, after every step (playground.ts ``updateUI``), the output heatmap on a
DENSITY = 100 grid over [-6, 6]², every neuron's output over the same square as a small
heatmap, the link weights and biases, the loss numbers and the loss chart. ``frame`` computes
all of that from the torch model in one forward pass per grid; ``PlaygroundFrame.to_payload``
packs it for a client-side component: heatmaps as base64 uint8 with a per-map (lo, hi) so
value = lo + (hi − lo)·q/255, everything else as short rounded lists.

Grids are cell centres; row 0 is the top row (x2 = +extent side), column 0 the left (x1 =
−extent side), as an image is drawn.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from actlab import playground_features as features_
from actlab.playground import PlaygroundTrainer, output_values, predicted_classes
from actlab.said import localized
from actlab.single_thread import run_single_threaded

PAYLOAD_VERSION = 1
MAX_GRID = 200
MAX_NEURON_GRID = 50
HISTORY_ROWS = 200


@dataclass(frozen=True)
class PlaygroundFrame:
    """Everything the client draws for one moment of one run (numpy arrays, float32)."""

    task: str  # "classification" or "regression"
    n_classes: int  # 2, 3, or 0 for regression
    epoch: int
    updates: int
    extent: float  # the square drawn is [-extent, extent]²
    diverged: str | None
    latest: dict  # train_loss, test_loss, train_accuracy, test_accuracy (NaN for regression)
    penalty: float  # the L1/L2 term (not part of the losses, as TF)
    sizes: tuple[int, ...]  # features, hidden layers, outputs
    feature_ids: tuple[str, ...]
    activations: tuple[str, ...]  # one per hidden layer
    output: str  # "sigmoid", "tanh", "softmax" or "linear"
    surface: np.ndarray  # [G, G]: P(class 1), the top class's probability, or the prediction
    surface_classes: np.ndarray | None  # [G, G] uint8 argmax class (more than 2 classes only)
    neurons: tuple[np.ndarray, ...]  # per layer (features first, outputs last): [units, g, g]
    weights: tuple[np.ndarray, ...]  # per layer [out, in]
    biases: tuple[np.ndarray, ...]  # per layer [out]
    x: np.ndarray  # [n, 2] points, training first
    label: np.ndarray  # [n] class index or regression target
    test: np.ndarray  # [n] bool: a test point
    prediction: np.ndarray  # [n] predicted class or value
    wrong: np.ndarray  # [n] bool: misclassified (always False for regression)
    history: dict[str, list[float]]  # epoch, train_loss, test_loss (thinned)

    def to_payload(self, static: bool = True) -> dict:
        """A JSON-able dict (see /tmp/notes/playground-api.md and the module docstring).

        ``static=False`` leaves out what never changes during a run (the points' coordinates
        and labels and the input features' heatmaps) for a client that kept them.
        """
        surface = {"size": int(self.surface.shape[0]), **_quantised(self.surface, self._range())}
        if self.surface_classes is not None:
            surface["classes"] = _b64(self.surface_classes.astype(np.uint8))
        layers = []
        for index, maps in enumerate(self.neurons):
            if index == 0 and not static:
                layers.append(None)
                continue
            layers.append(_quantised_rows(maps.reshape(len(maps), -1)))
        points: dict = {
            "pred": _rounded(self.prediction, 4)
            if self.task == "regression"
            else self.prediction.astype(int).tolist(),
            "wrong": self.wrong.astype(int).tolist(),
        }
        if static:
            points["x1"] = _rounded(self.x[:, 0], 3)
            points["x2"] = _rounded(self.x[:, 1], 3)
            points["label"] = (
                _rounded(self.label, 4)
                if self.task == "regression"
                else self.label.astype(int).tolist()
            )
            points["test"] = self.test.astype(int).tolist()
        return {
            "v": PAYLOAD_VERSION,
            "task": self.task,
            "n_classes": self.n_classes,
            "epoch": self.epoch,
            "updates": self.updates,
            "extent": self.extent,
            "diverged": self.diverged,
            "loss": {
                "train": _number(self.latest["train_loss"]),
                "test": _number(self.latest["test_loss"]),
            },
            "accuracy": {
                "train": _number(self.latest["train_accuracy"]),
                "test": _number(self.latest["test_accuracy"]),
            },
            "penalty": _number(self.penalty),
            "surface": surface,
            "network": {
                "sizes": list(self.sizes),
                "features": list(self.feature_ids),
                "feature_labels": [features_.FEATURES[f] for f in self.feature_ids],
                "activations": list(self.activations),
                "output": self.output,
                "weights": [[_rounded(row) for row in w] for w in self.weights],
                "biases": [_rounded(b) for b in self.biases],
            },
            "neurons": {"size": int(self.neurons[0].shape[-1]), "layers": layers},
            "points": points,
            "history": self.history,
        }

    def _range(self) -> tuple[float, float]:
        """Fixed [0, 1] for probabilities (a stable colour scale); regression: at least TF's
        label range [-1, 1], wider when the prediction goes beyond it."""
        if self.task == "classification":
            return 0.0, 1.0
        return min(-1.0, float(self.surface.min())), max(1.0, float(self.surface.max()))


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _quantised(values: np.ndarray, bounds: tuple[float, float]) -> dict:
    """uint8 codes of ``values`` on [lo, hi]; a non-finite value (a diverged run) codes as lo."""
    lo, hi = bounds
    finite = np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo)
    q = np.rint((finite - lo) / (hi - lo) * 255).clip(0, 255).astype(np.uint8)
    return {"lo": lo, "hi": hi, "data": _b64(q)}


def _quantised_rows(flat: np.ndarray) -> dict:
    """One (lo, hi) per row (per neuron), from its finite values; a flat map gets hi = lo + 1e-6."""
    flat = flat.astype(np.float64)
    ok = np.isfinite(flat)
    lo = np.min(flat, axis=1, initial=np.inf, where=ok)
    hi = np.max(flat, axis=1, initial=-np.inf, where=ok)
    lo, hi = np.where(np.isfinite(lo), lo, 0.0), np.where(np.isfinite(hi), hi, 0.0)
    hi = np.where(hi > lo, hi, lo + 1e-6)
    finite = np.where(ok, flat, lo[:, None])
    q = np.rint((finite - lo[:, None]) / (hi - lo)[:, None] * 255).clip(0, 255).astype(np.uint8)
    return {"lo": lo.tolist(), "hi": hi.tolist(), "data": _b64(q)}


def _rounded(values: np.ndarray, digits: int | None = None) -> list[float | None]:
    """Short lists: ``digits`` decimals, or 4 significant digits when None; None for a
    non-finite value (JSON has no NaN; a diverged run has them)."""
    array = np.asarray(values, dtype=np.float64)
    if digits is not None:
        rounded = np.round(array, digits).tolist()
    else:
        rounded = [float(f"{v:.4g}") for v in array.tolist()]
    if np.isfinite(array).all():
        return rounded
    return [v if ok else None for v, ok in zip(rounded, np.isfinite(array).tolist(), strict=True)]


def _number(value: float) -> float | None:
    """JSON has no NaN: None for a missing accuracy (regression) or a non-finite loss."""
    return float(f"{value:.6g}") if math.isfinite(value) else None


def decode(entry: dict, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of the payload's uint8 encoding, for tests and Python clients: ``entry`` holds
    ``lo``, ``hi`` (scalars, or lists per map along the first axis) and ``data``."""
    q = (
        np.frombuffer(base64.b64decode(entry["data"]), dtype=np.uint8)
        .reshape(shape)
        .astype(np.float64)
    )
    lo, hi = np.asarray(entry["lo"], dtype=np.float64), np.asarray(entry["hi"], dtype=np.float64)
    if lo.ndim:
        extra = (1,) * (len(shape) - 1)
        lo, hi = lo.reshape(-1, *extra), hi.reshape(-1, *extra)
    return lo + (hi - lo) * q / 255


def grid_inputs(extent: float, size: int) -> Tensor:
    """Cell centres of a ``size × size`` grid over [-extent, extent]² in image order (row 0 at
    the top), as float32 ``[size², 2]``."""
    edges = np.linspace(-extent, extent, size + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    x1, x2 = np.meshgrid(centres, centres[::-1], indexing="xy")
    return torch.as_tensor(np.column_stack([x1.ravel(), x2.ravel()]), dtype=torch.float32)


@torch.no_grad()
def frame(trainer: PlaygroundTrainer, grid: int = 100, neuron_grid: int = 25) -> PlaygroundFrame:
    """The current frame of ``trainer``: output surface on ``grid × grid`` cells, every neuron
    on ``neuron_grid × neuron_grid`` cells (TF: 100 and 10)."""
    if not 2 <= grid <= MAX_GRID:  # internal: the page's grids are constants
        raise ValueError(f"grid must be between 2 and {MAX_GRID}, got {grid}")
    if not 2 <= neuron_grid <= MAX_NEURON_GRID:  # internal: as above
        raise ValueError(f"neuron grid must be between 2 and {MAX_NEURON_GRID}, got {neuron_grid}")
    config, model = trainer.config, trainer.model
    model.eval()

    fine = grid_inputs(trainer.extent, grid)
    values = output_values(config, model(fine))
    if values.ndim == 2:  # softmax: the top class and its probability
        top, classes = values.max(dim=1)
        surface = top.reshape(grid, grid).numpy()
        surface_classes = classes.to(torch.uint8).reshape(grid, grid).numpy()
    else:
        surface, surface_classes = values.reshape(grid, grid).numpy(), None

    coarse = grid_inputs(trainer.extent, neuron_grid)
    h = model.features(coarse)
    outputs = model.layer_outputs(h)
    final = output_values(config, outputs[-1])
    outputs[-1] = final if final.ndim == 2 else final[:, None]
    shape = (neuron_grid, neuron_grid)
    neurons = tuple(
        layer.T.reshape(layer.shape[1], *shape).numpy().astype(np.float32)
        for layer in [h, *outputs]
    )

    data = trainer.data
    x = torch.cat([data.x_train, data.x_test])
    y = torch.cat([data.y_train, data.y_test])
    z = model.body(torch.cat([trainer.h_train, trainer.h_test]))
    test = np.arange(len(y)) >= len(data.y_train)
    if config.task == "classification":
        predicted = predicted_classes(config, z)
        prediction = predicted.numpy()
        wrong = (predicted != y.long()).numpy()
    else:
        prediction = z[:, 0].numpy()
        wrong = np.zeros(len(y), dtype=bool)

    history = trainer.thinned_history(HISTORY_ROWS)
    return PlaygroundFrame(
        task=config.task,
        n_classes=config.n_classes,
        epoch=trainer.epoch,
        updates=trainer.updates,
        extent=float(trainer.extent),
        diverged=localized(trainer.diverged) if trainer.diverged else trainer.diverged,
        latest=trainer.latest,
        penalty=trainer.penalty(),
        sizes=config.sizes,
        feature_ids=config.feature_ids,
        activations=config.layer_activations,
        output=config.output,
        surface=surface.astype(np.float32),
        surface_classes=surface_classes,
        neurons=neurons,
        weights=tuple(linear.weight.detach().numpy().copy() for linear in model.linears),
        biases=tuple(linear.bias.detach().numpy().copy() for linear in model.linears),
        x=x.numpy(),
        label=y.numpy(),
        test=test,
        prediction=prediction,
        wrong=wrong,
        history={
            "epoch": history["epoch"],
            "train_loss": [_number(v) for v in history["train_loss"]],
            "test_loss": [_number(v) for v in history["test_loss"]],
        },
    )


def advance(
    trainer: PlaygroundTrainer,
    epochs: int,
    budget_seconds: float | None = None,
    grid: int = 100,
    neuron_grid: int = 25,
) -> PlaygroundFrame:
    """Train ``epochs`` epochs (0: none) and take the frame, in one hop to the single-threaded
    worker: what a live page calls once per refresh."""

    def work() -> PlaygroundFrame:
        if epochs:
            trainer.step(epochs, budget_seconds)
        return frame(trainer, grid, neuron_grid)

    return run_single_threaded(work)
