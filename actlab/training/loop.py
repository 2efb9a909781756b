"""The training loop: data on the device, every member trained together, evaluated as it goes.

Every activation (and every seed) is one member of a single stacked model (``models``). The
members' losses are summed before ``backward``; as the members share no parameter, each one
gets exactly the gradient it would get alone, and the elementwise optimizers (SGD with momentum,
Adam) update each one exactly as alone. The members share the order of the data and the number
of steps, so the only difference between them is the activation.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from actlab import datasets, optimizers
from actlab.i18n import N_, Message, _
from actlab.said import Said
from actlab.training.config import (
    FIXED_NORMALIZATIONS,
    INPUT_PIXELS,
    MAX_STEP_UNITS,
    Schedule,
    TrainingConfig,
    schedule,
)
from actlab.training.models import (
    StackedModel,
    build_model,
    member_losses,
    output_functions,
    scale_pixels,
)
from actlab.training.results import HISTORY_COLUMNS, TrainingResult, final_accuracy

SUBSET_SEED = 20_240_601  # the training subset is the same for every seed and activation
# The validation split: ``np.random.default_rng(42).choice(n, n // share, replace=False)``, the
# SNN tutorials' exact rule (their 1/6 of MNIST's 60,000), the same for every seed and member.
VALIDATION_SEED = 42


def preload_optimizers() -> None:
    """Import what constructing a torch optimizer imports on first use (``torch._dynamo``,
    ~1 s), so a page can pay it in the background while its user is still choosing settings."""
    import torch._dynamo  # noqa: F401


def resolve_device(device: str) -> torch.device:
    """``auto`` means CUDA when torch sees a GPU, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        # internal: the page offers "auto" only; a script asking for CUDA gets English
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU")
    return torch.device(device)


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorData:
    """Images as flat uint8 ``[N, 784]`` on the training device (converted per batch)."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor
    val_x: Tensor  # [0, 784] without a validation split
    val_y: Tensor
    shift: float  # x_float = (x_uint8 - shift) * scale
    scale: float
    class_names: tuple[str, ...]
    description: str
    test_images: np.ndarray  # uint8 [N, 28, 28], shared with the dataset cache (read-only)

    def to_float(self, pixels: Tensor) -> Tensor:
        """uint8 rows ``[N, D]`` → scaled float32 ``[N, D]``, as every model sees them."""
        return scale_pixels(pixels, self.shift, self.scale)


def pixel_moments(images: np.ndarray) -> tuple[float, float]:
    """Exact mean and std of all pixels of uint8 ``images``, from a 256-bin histogram.

    Counted in chunks: ``np.bincount`` widens its input to int64, 8 bytes per pixel at once.
    """
    flat = images.reshape(-1)
    counts = np.zeros(256, dtype=np.float64)
    for start in range(0, flat.size, 1 << 20):
        counts += np.bincount(flat[start : start + (1 << 20)], minlength=256)
    values = np.arange(256, dtype=np.float64)
    mean = float((counts * values).sum() / counts.sum())
    var = float((counts * (values - mean) ** 2).sum() / counts.sum())
    return mean, math.sqrt(var)


def tensor_data(config: TrainingConfig, device: torch.device | None = None) -> TensorData:
    """Load the configured dataset and put it on ``device`` as uint8 tensors."""
    device = device or resolve_device(config.device)
    data = datasets.load(config.dataset, config.source, config.folder)
    images, labels = data.train_images, data.train_labels
    val_images, val_labels = images[:0], labels[:0]
    if config.validation_share:
        n = len(labels)
        held = np.random.default_rng(VALIDATION_SEED).choice(
            np.arange(n), size=n // config.validation_share, replace=False
        )
        kept = np.delete(np.arange(n), held)
        val_images, val_labels = images[held], labels[held]
        images, labels = images[kept], labels[kept]
    if config.train_limit is not None and config.train_limit < len(labels):
        chosen = np.random.default_rng(SUBSET_SEED).permutation(len(labels))[: config.train_limit]
        images, labels = images[np.sort(chosen)], labels[np.sort(chosen)]
    if config.input_scaling == "standardize":
        mean, std = pixel_moments(images)
        shift, scale = mean, 1.0 / std
    else:  # (p / 255 - mean) / std  =  (p - 255 mean) / (255 std)
        mean, std = FIXED_NORMALIZATIONS[config.input_scaling]
        shift, scale = 255.0 * mean, 1.0 / (255.0 * std)

    def flat(array: np.ndarray) -> Tensor:
        """``[N, 784]`` uint8 sharing the dataset cache's memory (no copy per run on the CPU).

        The cached arrays are read-only and training only ever reads them (``index_select``),
        so torch's warning about non-writable arrays does not apply.
        """
        rows = np.ascontiguousarray(array.reshape(len(array), INPUT_PIXELS))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            return torch.from_numpy(rows).to(device)

    return TensorData(
        train_x=flat(images),
        train_y=torch.from_numpy(labels.astype(np.int64)).to(device),
        test_x=flat(data.test_images),
        test_y=torch.from_numpy(data.test_labels.astype(np.int64)).to(device),
        val_x=flat(val_images),
        val_y=torch.from_numpy(val_labels.astype(np.int64)).to(device),
        shift=shift,
        scale=scale,
        class_names=data.class_names,
        description=data.source.describe(),
        test_images=data.test_images,
    )


# --- what a run reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What a live view needs: where the run is, how fast it goes, and the history so far."""

    step: int
    total_steps: int
    epoch: float
    seconds: float
    eta_seconds: float
    samples_per_second: float
    history: pd.DataFrame

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 1.0

    @property
    def text(self) -> str:
        """One line for a progress bar: step, epoch, time left and speed."""
        eta = (
            "…"
            if math.isnan(self.eta_seconds)
            else _("{seconds} s").format(seconds=f"{self.eta_seconds:.0f}")
        )
        return _(
            "step {step} / {total} · epoch {epoch} · ETA {eta} · {rate} samples/s per model"
        ).format(
            step=f"{self.step:,}",
            total=f"{self.total_steps:,}",
            epoch=f"{self.epoch:.2f}",
            eta=eta,
            rate=f"{self.samples_per_second:,.0f}",
        )


class Clock:
    """Seconds since the run began, and the seconds spent in training steps alone (paused for
    evaluations and progress reports)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.train_seconds = 0.0
        self._resumed = self.started

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def resume(self) -> None:
        self._resumed = time.perf_counter()

    def pause(self) -> None:
        self.train_seconds += time.perf_counter() - self._resumed


Evaluation = tuple[Tensor, Tensor, Tensor]  # loss [S, A], accuracy [S, A], probabilities


class Recorder:
    """A run's record so far: the running training loss, history rows, which members are still
    alive (the others diverged, with a message, or stopped early), the first seed's test
    probabilities at its selected checkpoint.

    With a validation split each member's checkpoint is the evaluation with the best
    validation accuracy so far (the first of equal ones); with ``patience`` a member stops once
    that best is ``patience`` epochs old. The test accuracy of a member is then the one
    measured at its best-validation evaluation (``results.selected_rows``): the same number a
    saved checkpoint reloaded and tested gives, without keeping a copy of the weights.
    """

    def __init__(
        self, config: TrainingConfig, plan: Schedule, data: TensorData, device: torch.device
    ) -> None:
        S, A = len(config.seeds), len(config.activations)
        self.config, self.plan = config, plan
        self.titles = config.titles
        self.step = 0
        self.samples_seen = 0
        self.rows: list[dict] = []
        self.messages: dict[str, str] = {}
        self.alive = np.ones((S, A), dtype=bool)
        self.best_val = np.full((S, A), -np.inf)
        self.best_epoch = np.zeros((S, A))
        self.early_stopped = np.zeros((S, A), dtype=bool)
        self.probabilities = torch.zeros(A, len(data.test_y), len(data.class_names))
        self._loss_sum = torch.zeros(S, A, device=device, dtype=torch.float64)
        self._loss_steps = 0

    def add_step(self, losses: Tensor, samples: int) -> None:
        """One optimizer step done: its losses ``[S, A]`` and ``samples`` per member."""
        self._loss_sum += losses
        self._loss_steps += 1
        self.step += 1
        self.samples_seen += samples

    def train_loss(self) -> np.ndarray:
        """Mean training loss ``[S, A]`` since the last evaluation."""
        return (self._loss_sum / self._loss_steps).cpu().numpy()

    def check_divergence(self, losses: np.ndarray) -> None:
        """Members whose loss is NaN or infinite stop, each with a message."""
        seeds = self.config.seeds
        for s, a in zip(*np.nonzero(self.alive & ~np.isfinite(losses)), strict=True):
            self.alive[s, a] = False
            member = (
                Message(N_("{name} (seed {seed})"), {"name": self.titles[a], "seed": seeds[s]})
                if len(seeds) > 1
                else self.titles[a]
            )
            self.messages.setdefault(  # Said: this runs on the training's thread
                self.titles[a],
                Said(
                    N_(
                        "{member}: the training loss became {loss} by step {step}; that run was "
                        "stopped. Try a smaller learning rate."
                    ),
                    member=member,
                    loss=losses[s, a],
                    step=self.step,
                ),
            )

    def evaluation(
        self,
        train_losses: np.ndarray,
        evaluation: Evaluation,
        seconds: float,
        validation: Evaluation | None = None,
    ) -> None:
        """Append one history row per live member; the running training loss starts again.

        With ``validation``, each member's best validation accuracy is tracked and, with
        ``patience``, a member whose best is ``patience`` epochs old stops (early stopping).
        """
        test_loss, test_acc, probabilities = evaluation
        test_loss, test_acc = test_loss.double().cpu().numpy(), test_acc.cpu().numpy()
        S, A = self.alive.shape
        if validation is not None:
            val_loss = validation[0].double().cpu().numpy()
            val_acc = validation[1].double().cpu().numpy()
        else:
            val_loss = val_acc = np.full((S, A), np.nan)
        self.check_divergence(train_losses)
        self.check_divergence(test_loss)
        epoch = self.step / self.plan.steps_per_epoch
        improved = np.ones((S, A), dtype=bool)
        if validation is not None:
            improved = val_acc > self.best_val
        for (s, seed), (a, title) in itertools.product(
            enumerate(self.config.seeds), enumerate(self.titles)
        ):
            if self.alive[s, a]:
                self.rows.append(
                    {
                        "step": self.step,
                        "epoch": epoch,
                        "activation": title,
                        "seed": seed,
                        "train_loss": float(train_losses[s, a]),
                        "test_loss": float(test_loss[s, a]),
                        "test_accuracy": float(test_acc[s, a]),
                        "val_loss": float(val_loss[s, a]),
                        "val_accuracy": float(val_acc[s, a]),
                        "seconds": seconds,
                    }
                )
        for a in range(len(self.titles)):
            if self.alive[0, a] and improved[0, a]:
                self.probabilities[a] = probabilities[a].float().cpu()
        if validation is not None:
            update = self.alive & improved
            self.best_val[update] = val_acc[update]
            self.best_epoch[update] = epoch
            patience = self.config.patience
            if patience:
                done = self.alive & ~improved & (epoch - self.best_epoch >= patience - 1e-9)
                self.early_stopped |= done
                self.alive &= ~done
        self._loss_sum.zero_()
        self._loss_steps = 0

    def history(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)

    def progress(self, clock: Clock) -> Progress:
        step, plan, elapsed = self.step, self.plan, clock.elapsed
        rate = self.samples_seen / clock.train_seconds if clock.train_seconds > 0 else 0.0
        eta = (plan.total_steps - step) * (elapsed / step) if step else float("nan")
        epoch = step / plan.steps_per_epoch
        return Progress(step, plan.total_steps, epoch, elapsed, eta, rate, self.history())


# --- training ---------------------------------------------------------------------------------


class Evaluator:
    """Loss and accuracy of all members on the test (or validation) images, in chunks so memory
    stays small."""

    def __init__(self, data: TensorData, config: TrainingConfig, chunk: int = 2000) -> None:
        # A chunk never holds more layer outputs than a training step may.
        self.data = data
        self.chunk = max(1, min(chunk, MAX_STEP_UNITS // config.widest_layer_units))

    @torch.no_grad()
    def __call__(
        self,
        model: StackedModel,
        outputs: Sequence[Callable[[Tensor], Tensor]] | None,
        should_stop: Callable[[], bool] | None = None,
        split: str = "test",
    ) -> Evaluation | None:
        """``(mean loss [S, A], accuracy [S, A], softmax probabilities of seed 0 [A, N, C])``.

        ``None`` when ``should_stop`` turned true between chunks, so a big model stops promptly.
        Dropout is off while evaluating (``model.eval()``).
        """
        data, S = self.data, model.S
        images, labels = (data.test_x, data.test_y) if split == "test" else (data.val_x, data.val_y)
        loss_sum = correct = None
        probabilities = []
        model.eval()
        try:
            for start in range(0, len(labels), self.chunk):
                if should_stop is not None and should_stop():
                    return None
                x = model.inputs(images[start : start + self.chunk], data.shift, data.scale)
                y = labels[start : start + self.chunk]
                logits = model(x.expand(S, *x.shape))  # every seed sees the same images
                losses, out = member_losses(logits, y.expand(S, -1), outputs)
                hits = (out.argmax(dim=3) == y).sum(dim=2)
                loss_sum = losses * len(y) if loss_sum is None else loss_sum + losses * len(y)
                correct = hits if correct is None else correct + hits
                if split == "test":
                    probabilities.append(F.softmax(logits[0], dim=-1))
        finally:
            model.train()
        n = len(labels)
        probs = torch.cat(probabilities, dim=1) if probabilities else torch.empty(0)
        return loss_sum / n, correct.double() / n, probs


def batches(
    n_train: int, config: TrainingConfig, plan: Schedule, device: torch.device
) -> Iterator[Tensor]:
    """Each step's training indices ``[S, batch]``: every epoch a new order per seed, drawn from
    the seed's own stream (``2**32 + seed``), apart from its initial weights'."""
    generators = [torch.Generator().manual_seed(2**32 + seed) for seed in config.seeds]
    permutation = torch.empty(0)
    for step in range(plan.total_steps):
        position = step % plan.steps_per_epoch
        if position == 0:
            permutation = torch.stack([torch.randperm(n_train, generator=g) for g in generators])
            permutation = permutation.to(device, non_blocking=True)
        yield permutation[:, position * config.batch_size : (position + 1) * config.batch_size]


def train_step(
    model: StackedModel,
    optimizer: torch.optim.Optimizer,
    data: TensorData,
    batch: Tensor,
    outputs: Sequence[Callable[[Tensor], Tensor]] | None,
) -> Tensor:
    """One optimizer step of every member on its seed's ``batch`` of indices: losses ``[S, A]``."""
    model.train()
    picked = batch.reshape(-1)  # index_select copies whole rows: faster than fancy indexing
    x = model.inputs(data.train_x.index_select(0, picked), data.shift, data.scale)
    x = x.view(model.S, -1, *x.shape[1:])
    y = data.train_y.index_select(0, picked).view(model.S, -1)
    losses, _ = member_losses(model(x), y, outputs)
    optimizer.zero_grad(set_to_none=True)
    losses.sum().backward()
    optimizer.step()
    return losses.detach()


def train(
    config: TrainingConfig,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    data: TensorData | None = None,
    progress_interval: float = 0.25,
    check_every: int = 20,
) -> TrainingResult:
    """Train every configured activation (× seed) together and evaluate on the full test set.

    ``on_progress`` is called at every evaluation and at most every ``progress_interval``
    seconds; ``should_stop`` is polled every step and ends the run, keeping the history so far.
    A member whose training loss becomes NaN or infinite (checked every ``check_every`` steps)
    is stopped with a message; the others go on.
    """
    clock = Clock()
    device = resolve_device(config.device)
    data = data if data is not None else tensor_data(config, device)
    model = build_model(config, data.train_x.shape[1], len(data.class_names)).to(device)
    outputs = output_functions(config)
    # fused: one kernel per step for all parameters (CPU and CUDA), the same arithmetic.
    optimizer = optimizers.build(
        config.optimizer, model.parameters(), lr=config.lr, momentum=config.momentum, fused=True
    )
    evaluate = Evaluator(data, config)
    plan = schedule(len(data.train_y), config)
    record = Recorder(config, plan, data, device)
    stopped = False
    last_report = clock.started
    clock.resume()
    for batch in batches(len(data.train_y), config, plan, device):
        if not record.alive.any():
            break
        if should_stop is not None and should_stop():
            stopped = True
            break
        record.add_step(train_step(model, optimizer, data, batch, outputs), batch.shape[1])
        if record.step in plan.eval_steps or record.step % check_every == 0:
            clock.pause()
            train_losses = record.train_loss()
            if record.step in plan.eval_steps:
                evaluation = evaluate(model, outputs, should_stop)
                validation = None
                if evaluation is not None and len(data.val_y):
                    validation = evaluate(model, outputs, should_stop, split="validation")
                if evaluation is None or (len(data.val_y) and validation is None):
                    stopped = True  # a stop request cut it short
                    clock.resume()
                    break
                record.evaluation(train_losses, evaluation, clock.elapsed, validation)
                if on_progress is not None:
                    on_progress(record.progress(clock))
                last_report = time.perf_counter()
            else:
                record.check_divergence(train_losses)
            clock.resume()
        if on_progress is not None and time.perf_counter() - last_report > progress_interval:
            clock.pause()
            on_progress(record.progress(clock))
            clock.resume()
            last_report = time.perf_counter()
    clock.pause()

    history = record.history()
    return TrainingResult(
        config=config,
        history=history,
        test_accuracy=final_accuracy(history, config.titles),
        messages=record.messages,
        stopped=stopped,
        seconds=clock.elapsed,
        train_seconds=clock.train_seconds,
        samples_seen=record.samples_seen,
        device=str(device),
        test_labels=data.test_y.cpu().numpy(),
        test_probabilities=dict(zip(record.titles, record.probabilities.numpy(), strict=True)),
        class_names=data.class_names,
        data_description=data.description,
        test_images=data.test_images,
        model=model,
    )
