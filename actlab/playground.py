"""A TensorFlow-Playground-style trainer: a small MLP on a toy dataset, one epoch at a time.

``PlaygroundTrainer`` holds everything a live page needs between reruns (data, model,
optimizer, history) and advances by whole epochs of mini-batch (or full-batch) steps on
tensors. A run that diverges (non-finite loss, or the loss grows far beyond where it started)
stops itself and says why in ``diverged``, so a page can show a message instead of a traceback.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import activations, optimizers, toydata, validate
from actlab.single_thread import run_single_threaded

# The playground's own "no activation": no module at all between the linear layers, so the
# network is one affine map in disguise. "linear" is the value the page's activation selector
# (and every shared link, key ``pg_act``) uses for it; it is not a catalogue id.
NO_ACTIVATION = "linear"
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 16
MAX_BATCH = 4096
# Divergence, measured against the untrained network's training loss: a loss that jumps above
# BLOW_UP_FACTOR × that value, or stays above HIGH_FACTOR × it for HIGH_PATIENCE epochs in a
# row. Chosen from a sweep of learning rates 0.03–10 over datasets, optimizers, activations and
# batch sizes: at lr ≤ 0.1 no run trips it, at 0.3 only Adam on deep linear nets with batch 8
# (whose loss really jumps a thousandfold); SGD at lr 10 explodes within an epoch or two, and
# Adam at lr 10 with saturating activations thrashes at 10–40× the starting loss.
BLOW_UP_FACTOR = 100.0
HIGH_FACTOR = 10.0
HIGH_PATIENCE = 5
# Settings a running trainer can take on the fly (TensorFlow Playground does the same).
LIVE_FIELDS = ("lr", "l2", "batch_size")


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything that defines a playground run; validated on creation (``ValueError``)."""

    dataset: str = "circle"
    noise: float = 0.0
    train_fraction: float = 0.5
    n_points: int = 400
    data_seed: int = 0
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    lr: float = 0.03
    batch_size: int = 32  # 0: full batch
    optimizer: str = "adam"
    l2: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        toydata.task_of(self.dataset)
        toydata.check_arguments(self.n_points, self.noise, self.train_fraction)
        # The two shape checks keep their own wording ("at most 6 hidden layers", "1 to 16
        # units"): they describe the network, not one number.
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        for units in self.hidden:
            if not 1 <= units <= MAX_UNITS:
                raise ValueError(f"a hidden layer has 1 to {MAX_UNITS} units, got {units}")
        if self.activation != NO_ACTIVATION:
            activations.get(self.activation)
        validate.positive("learning rate", self.lr, 100.0)
        validate.integer("batch size (0: full batch)", self.batch_size, 0, MAX_BATCH)
        optimizers.check(self.optimizer)
        validate.number("L2 strength", self.l2, 0.0, 1.0)

    @property
    def task(self) -> str:
        return toydata.task_of(self.dataset)

    @property
    def is_linear(self) -> bool:
        """No activation or no hidden layer: the network is one affine map of its input."""
        return self.activation == NO_ACTIVATION or not self.hidden


def config_from_form(
    *,
    dataset: str,
    noise: float,
    train_percent: int,
    n_points: int,
    data_seed: int,
    layers: int,
    units: int,
    activation: str,
    lr: float,
    batch_size: int,
    optimizer: str,
    l2: float,
    seed: int,
) -> PlaygroundConfig:
    """The configuration the page's controls describe: ``layers`` hidden layers of ``units``
    each, the training share in percent. Raises ``ValueError`` like ``PlaygroundConfig``."""
    return PlaygroundConfig(
        dataset=dataset,
        noise=float(noise),
        train_fraction=train_percent / 100,
        n_points=int(n_points),
        data_seed=int(data_seed),
        hidden=(int(units),) * int(layers),
        activation=activation,
        lr=float(lr),
        batch_size=int(batch_size),
        optimizer=optimizer,
        l2=float(l2),
        seed=int(seed),
    )


def activation_label(name: str) -> str:
    """What the activation selector shows: ``linear (none)`` or the catalogue's name."""
    return "linear (none)" if name == NO_ACTIVATION else activations.display_name(name)


def linear_note(config: PlaygroundConfig) -> str | None:
    """Why a linear network cannot learn this dataset (Markdown), or None when it can or the
    network is not linear."""
    if not (config.is_linear and config.dataset in toydata.NOT_LINEARLY_SEPARABLE):
        return None
    why = "no hidden layer" if not config.hidden else "no activation"
    return (
        f"This network is linear (**{why}**): whatever it learns, it computes one affine map of "
        "(x₁, x₂), so its boundary P = 0.5 is a single straight line. "
        f"{toydata.DISPLAY_NAMES[config.dataset]} cannot be split by one line: the loss stays "
        "near ln 2 ≈ 0.693 (a coin flip) and the accuracy near what one straight cut can get."
    )


def model_formulas(config: PlaygroundConfig) -> list[str]:
    """LaTeX of what is trained: the layers, the loss, and the L2 term when there is one."""
    sizes = " \\to ".join(
        ["2" if config.task == "classification" else "1", *map(str, config.hidden), "1"]
    )
    f_text = r"\mathrm{id}" if config.activation == NO_ACTIVATION else r"f"
    formulas = [rf"h_\ell = {f_text}(W_\ell h_{{\ell-1}} + b_\ell),\quad \text{{sizes }} {sizes}"]
    if config.task == "classification":
        formulas.append(
            r"\text{loss} = \tfrac1n\textstyle\sum_i \log(1 + e^{z_i}) - y_i z_i"
            r"\quad(\text{binary cross-entropy on the logit } z),"
            r"\qquad P(\text{class 1}) = \sigma(z)"
        )
    else:
        formulas.append(r"\text{loss} = \tfrac1n\textstyle\sum_i (\hat y_i - y_i)^2")
    if config.l2:
        formulas.append(
            rf"\text{{plus L2: }} \tfrac{{{config.l2:g}}}{{2}} \textstyle\sum_\ell"
            r" \lVert W_\ell \rVert^2\ \text{(weights, not biases)}"
        )
    return formulas


def build_model(config: PlaygroundConfig) -> nn.Sequential:
    """``Linear → f → … → Linear`` to one output (a logit, or the regression value)."""
    n_in = 2 if config.task == "classification" else 1
    sizes = [n_in, *config.hidden, 1]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        layers: list[nn.Module] = []
        for index in range(len(sizes) - 1):
            if index > 0 and config.activation != NO_ACTIVATION:
                layers.append(activations.module(config.activation))
            layers.append(nn.Linear(sizes[index], sizes[index + 1]))
    return nn.Sequential(*layers)


class PlaygroundTrainer:
    """Data, model, optimizer and history of one playground run.

    ``step(epochs)`` trains; ``history`` has one row per epoch (row 0: before training);
    ``surface``/``curve`` give the model's current predictions for drawing.
    """

    def __init__(self, config: PlaygroundConfig) -> None:
        self.config = config
        self.data = toydata.make(
            config.dataset, config.n_points, config.noise, config.train_fraction, config.data_seed
        )
        self.model = build_model(config)
        self.optimizer = self._make_optimizer()
        self._shuffle = torch.Generator().manual_seed(config.seed)
        self.epoch = 0
        self.updates = 0
        self.diverged: str | None = None
        self._rows: list[dict] = [self._evaluate()]
        self._start_loss = self._rows[0]["train_loss"]
        self._high_epochs = 0
        points = torch.cat([self.data.x_train, self.data.x_test])
        self.extent = max(1.2, math.ceil(float(points.abs().max()) * 10 + 0.5) / 10)

    # --- training ---------------------------------------------------------------------------

    def _make_optimizer(self) -> torch.optim.Optimizer:
        weights = [p for n, p in self.model.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in self.model.named_parameters() if n.endswith("bias")]
        groups = [  # L2 on the weights only: weight decay per parameter group
            {"params": weights, "weight_decay": self.config.l2},
            {"params": biases, "weight_decay": 0.0},
        ]
        return optimizers.build(self.config.optimizer, groups, lr=self.config.lr)

    def _loss(self, output: Tensor, target: Tensor) -> Tensor:
        if self.config.task == "classification":
            # Binary cross-entropy on logits, log(1 + e^z) − y·z, written out: equal to
            # F.binary_cross_entropy_with_logits, whose kernel costs ~1 ms per call on a busy
            # 2-core machine against ~0.02 ms for these three elementwise ops.
            return (F.softplus(output) - target * output).mean()
        return F.mse_loss(output, target)

    def step(self, epochs: int = 1, budget_seconds: float | None = None) -> int:
        """Train ``epochs`` epochs (fewer if ``budget_seconds`` runs out or the run diverges).

        Returns the number of epochs done. After divergence it does nothing until reset.
        """
        start = time.perf_counter()
        done = 0
        while done < epochs and self.diverged is None:
            self._train_epoch()
            done += 1
            if budget_seconds is not None and time.perf_counter() - start > budget_seconds:
                break
        return done

    def _train_epoch(self) -> None:
        x, y = self.data.x_train, self.data.y_train
        n = len(y)
        batch = self.config.batch_size or n
        order = torch.randperm(n, generator=self._shuffle) if batch < n else None
        self.model.train()
        for begin in range(0, n, batch):
            if order is None:
                xb, yb = x, y
            else:
                index = order[begin : begin + batch]
                xb, yb = x.index_select(0, index), y.index_select(0, index)
            loss = self._loss(self.model(xb).squeeze(1), yb)
            if not torch.isfinite(loss):
                self._stop(f"the loss became {loss.item()} at update {self.updates + 1}")
                return
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.updates += 1
        self.epoch += 1
        row = self._evaluate()
        self._rows.append(row)
        self._check_divergence(row)

    def _check_divergence(self, row: dict) -> None:
        loss, start = row["train_loss"], self._start_loss
        ratio = loss / max(start, 1e-3)
        self._high_epochs = self._high_epochs + 1 if ratio > HIGH_FACTOR else 0
        if not (math.isfinite(loss) and math.isfinite(row["test_loss"])):
            self._stop(f"the loss became {loss} in epoch {self.epoch}")
        elif ratio > BLOW_UP_FACTOR:
            self._stop(
                f"the training loss jumped to {loss:.3g} in epoch {self.epoch}, more than "
                f"{BLOW_UP_FACTOR:g}× its starting value {start:.3g}"
            )
        elif self._high_epochs >= HIGH_PATIENCE:
            self._stop(
                f"the training loss has stayed above {HIGH_FACTOR:g}× its starting value "
                f"{start:.3g} for {HIGH_PATIENCE} epochs (now {loss:.3g}, epoch {self.epoch})"
            )

    def _stop(self, reason: str) -> None:
        self.diverged = (
            f"Training diverged: {reason}. The step size (learning rate {self.config.lr:g}) is "
            "too large for this network; lower it and press Reset."
        )

    def retune(self, config: PlaygroundConfig) -> bool:
        """Take on ``config`` without restarting when only learning rate, L2 or batch size
        differ; returns False (nothing changed) when the run must start over."""
        if replace(config, **{f: getattr(self.config, f) for f in LIVE_FIELDS}) != self.config:
            return False
        for group in self.optimizer.param_groups:
            group["lr"] = config.lr
        self.optimizer.param_groups[0]["weight_decay"] = config.l2
        self.config = config
        return True

    # --- measuring and drawing --------------------------------------------------------------

    @torch.no_grad()
    def _evaluate(self) -> dict:
        self.model.eval()
        row: dict = {"epoch": self.epoch, "updates": self.updates}
        for split, x, y in (
            ("train", self.data.x_train, self.data.y_train),
            ("test", self.data.x_test, self.data.y_test),
        ):
            output = self.model(x).squeeze(1)
            row[f"{split}_loss"] = float(self._loss(output, y))
            if self.config.task == "classification":
                row[f"{split}_accuracy"] = float(((output > 0).float() == y).float().mean())
            else:
                row[f"{split}_accuracy"] = math.nan
        return row

    @property
    def history(self) -> pd.DataFrame:
        """One row per epoch: ``epoch, updates, train_loss, train_accuracy, test_loss,
        test_accuracy`` (accuracies NaN for regression)."""
        return pd.DataFrame(self._rows)

    @property
    def latest(self) -> dict:
        return dict(self._rows[-1])

    @torch.no_grad()
    def surface(self, grid: int = 40) -> pd.DataFrame:
        """P(class 1) on a ``grid × grid`` lattice of cells covering the data (classification).

        Columns ``x1, x2`` (cell centres), ``x1_lo, x1_hi, x2_lo, x2_hi`` (cell edges), ``p``.
        """
        if self.config.task != "classification":
            raise ValueError("the decision surface exists only for classification datasets")
        if not 2 <= grid <= 200:
            raise ValueError(f"grid must be between 2 and 200, got {grid}")
        edges = np.linspace(-self.extent, self.extent, grid + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        x1, x2 = np.meshgrid(centres, centres, indexing="xy")
        inputs = torch.as_tensor(np.column_stack([x1.ravel(), x2.ravel()]), dtype=torch.float32)
        self.model.eval()
        p = torch.sigmoid(self.model(inputs).squeeze(1)).numpy()
        half = (edges[1] - edges[0]) / 2
        return pd.DataFrame(
            {
                "x1": x1.ravel(),
                "x2": x2.ravel(),
                "x1_lo": x1.ravel() - half,
                "x1_hi": x1.ravel() + half,
                "x2_lo": x2.ravel() - half,
                "x2_hi": x2.ravel() + half,
                "p": p,
            }
        )

    @torch.no_grad()
    def curve(self, points: int = 201) -> pd.DataFrame:
        """The fitted function on a grid over the data (regression): columns ``x, prediction``."""
        if self.config.task != "regression":
            raise ValueError("the fitted curve exists only for regression datasets")
        x = torch.linspace(-self.extent, self.extent, points).reshape(-1, 1)
        self.model.eval()
        return pd.DataFrame({"x": x[:, 0].numpy(), "prediction": self.model(x)[:, 0].numpy()})

    @torch.no_grad()
    def points(self) -> pd.DataFrame:
        """The data with the model's current prediction: ``x1[, x2], target, split, predicted``."""
        frames = []
        self.model.eval()
        for split, x, y in (
            ("train", self.data.x_train, self.data.y_train),
            ("test", self.data.x_test, self.data.y_test),
        ):
            output = self.model(x).squeeze(1)
            frame = pd.DataFrame(x.numpy(), columns=["x1", "x2"][: x.shape[1]])
            frame["split"] = split
            if self.config.task == "classification":
                frame["label"] = y.numpy().astype(int)
                frame["p"] = torch.sigmoid(output).numpy()
                frame["correct"] = (output > 0).numpy() == (y > 0.5).numpy()
            else:
                frame["y"] = y.numpy()
                frame["prediction"] = output.numpy()
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def train_live(trainer: PlaygroundTrainer, epochs: int, budget_seconds: float | None) -> int:
    """``trainer.step`` on the single-threaded worker."""
    return run_single_threaded(trainer.step, epochs, budget_seconds)


@dataclass(frozen=True)
class Snapshot:
    """What the live panel shows of a run at one moment."""

    task: str  # "classification" or "regression"
    epoch: int
    updates: int
    latest: dict  # the last history row: train_loss, test_loss, train_accuracy, …
    diverged: str | None
    extent: float  # the drawn square (or interval) is [-extent, extent]
    fit: pd.DataFrame  # classification: ``surface`` rows; regression: ``curve`` rows
    points: pd.DataFrame  # ``points`` rows
    history: pd.DataFrame  # ``long_history`` of the thinned history

    @property
    def classification(self) -> bool:
        return self.task == "classification"

    @property
    def metrics(self) -> dict[str, str]:
        """Label → formatted value, in the order the page shows them (no accuracy for
        regression)."""
        shown = {
            "epoch": f"{self.epoch:,}",
            "updates": f"{self.updates:,}",
            "train loss": f"{self.latest['train_loss']:.4f}",
            "test loss": f"{self.latest['test_loss']:.4f}",
        }
        if self.classification:
            shown["train accuracy"] = f"{self.latest['train_accuracy']:.1%}"
            shown["test accuracy"] = f"{self.latest['test_accuracy']:.1%}"
        return shown


def snapshot(trainer: PlaygroundTrainer, grid: int = 40) -> Snapshot:
    """The run's current predictions (decision surface on a ``grid × grid`` lattice, or the
    fitted curve), data and thinned history, computed on the single-threaded worker."""

    def take() -> Snapshot:
        classification = trainer.config.task == "classification"
        return Snapshot(
            task=trainer.config.task,
            epoch=trainer.epoch,
            updates=trainer.updates,
            latest=trainer.latest,
            diverged=trainer.diverged,
            extent=trainer.extent,
            fit=trainer.surface(grid) if classification else trainer.curve(),
            points=trainer.points(),
            history=long_history(thin_history(trainer.history)),
        )

    return run_single_threaded(take)


def thin_history(history: pd.DataFrame, max_rows: int = 400) -> pd.DataFrame:
    """At most ``max_rows`` evenly spaced rows, always keeping the first and the last, so live
    charts stay light however long the run."""
    if len(history) <= max_rows:
        return history
    keep = np.unique(np.linspace(0, len(history) - 1, max_rows).round().astype(int))
    return history.iloc[keep].reset_index(drop=True)


def long_history(history: pd.DataFrame) -> pd.DataFrame:
    """History in long form for overlaid charts: ``epoch, metric, split, value``."""
    frames = []
    for metric in ("loss", "accuracy"):
        for split in ("train", "test"):
            frames.append(
                pd.DataFrame(
                    {
                        "epoch": history["epoch"],
                        "metric": metric,
                        "split": split,
                        "value": history[f"{split}_{metric}"],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"])
