"""Short, bounded MNIST trainings of the gradients lessons, reporting loss and dead units.

Two lessons use it: "a deep sigmoid net doesn't learn, ReLU with He init does" (loss and
accuracy curves, ``learning_comparison``) and "a too-large learning rate kills ReLU units" (the
fraction of dead units per layer over time, ``dead_relu_runs`` and ``dead_unit_fraction``).
``train`` steps several runs in lockstep and yields a ``Snapshot`` at every record point, so a
page can redraw its curves while the training is still going.

The data stay tensors: the 5,000 bundled training digits, standardised once, sampled in
shuffled epochs drawn from the run's seed. Progress is measured on a fixed probe of held-out
test digits (the same for every run and seed), so curves are smooth and comparable.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import optimizers, validate
from actlab.bundled import bundled_mnist
from actlab.gradients import (
    INIT_LABELS,
    INITS,
    GatedLayer,
    build_mlp,
    check_activation,
    display_name,
    mnist_batch,
    standardised,
)
from actlab.i18n import N_, Refusal, _
from actlab.said import Said
from actlab.single_thread import run_single_threaded

MAX_STEPS = 2000
PROBE_SEED = 0
# A cure changes one setting of the run it is applied to (labels marked, translated where shown).
CURES = {
    "leaky_relu": N_("LeakyReLU instead of ReLU"),
    "lower_lr": N_("learning rate ÷ 10"),
    "he_init": N_("Kaiming/He init"),
    "positive_bias": N_("hidden biases start at +0.1"),
}
POSITIVE_BIAS = 0.1
# "Does it learn?": the (activation, init) pairs offered, as ids "activation:init".
COMPARISON_PAIRS = (
    "sigmoid:pytorch_default",
    "sigmoid:xavier",
    "tanh:pytorch_default",
    "tanh:xavier",
    "relu:pytorch_default",
    "relu:kaiming",
    "leaky_relu:kaiming",
    "gelu:kaiming",
    # Gated layers φ(xW) ⊙ (xV) at the plain net's parameter count (actlab.gradients).
    "swiglu:pytorch_default",
    "swiglu:xavier",
    "reglu:pytorch_default",
)
CUSTOM_PAIR_INITS = ("pytorch_default", "xavier", "kaiming")
CURVE_COLUMNS = ["run", "step", "loss", "accuracy", "train_loss"]
DEAD_COLUMNS = ["run", "step", "layer", "units", "dead", "fraction", "negative"]


@dataclass(frozen=True)
class RunConfig:
    """One network and how to train it; hashable, so pages can cache finished runs by it.

    ``depth`` counts weight layers (``depth − 1`` hidden layers of ``width`` units; a gated
    unit's at the narrower width that matches the plain net's parameters); ``bias`` overrides
    the hidden biases' init; an ``actlab.optimizers`` id (SGD without momentum).
    """

    activation: str = "relu"
    depth: int = 5
    width: int = 128
    init: str = "pytorch_default"
    std: float = 0.05
    bias: float | None = None
    optimizer: str = "adam"
    lr: float = 0.03
    steps: int = 300
    batch_size: int = 64
    seed: int = 0
    record_every: int = 10
    probe_size: int = 512

    def __post_init__(self) -> None:
        check_activation(self.activation)
        validate.integer("depth", self.depth, 2, 50)
        validate.integer("width", self.width, 2, 1024)
        validate.choice("init", self.init, INITS)
        validate.positive("std", self.std, 10.0)
        if self.bias is not None:
            validate.number("bias", self.bias)
        optimizers.check(self.optimizer)
        validate.positive("learning rate", self.lr, 10.0)
        validate.integer("steps", self.steps, 1, MAX_STEPS)
        validate.integer("batch size", self.batch_size, 1, 5000)
        validate.integer("seed", self.seed, 0, 2**31 - 1)
        validate.integer("record_every", self.record_every, 1, MAX_STEPS)
        validate.integer("probe size", self.probe_size, 1, 10_000)

    def cured(self, cures: Iterable[str]) -> RunConfig:
        """This run with each named cure applied (see ``CURES``)."""
        changes: dict[str, object] = {}
        for cure in cures:
            if cure == "leaky_relu":
                changes["activation"] = "leaky_relu"
            elif cure == "lower_lr":
                changes["lr"] = self.lr / 10
            elif cure == "he_init":
                changes["init"] = "kaiming"
            elif cure == "positive_bias":
                changes["bias"] = POSITIVE_BIAS
            else:
                validate.choice("cure", cure, CURES)
        return replace(self, **changes)


@dataclass(frozen=True)
class Snapshot:
    """Everything recorded so far. ``curves``: probe loss and accuracy and the mean training
    loss since the last record, per run and step. ``dead``: ``dead_unit_fraction`` per run,
    step and hidden layer. ``messages``: why a run stopped early (divergence)."""

    step: int
    total_steps: int
    curves: pd.DataFrame
    dead: pd.DataFrame
    messages: dict[str, str] = field(default_factory=dict)
    finished: bool = False
    seconds: float = 0.0

    @property
    def run_names(self) -> list[str]:
        """The runs recorded so far, in the order they were given."""
        return list(self.curves["run"].unique()) or list(self.dead["run"].unique())

    def dead_of(self, run: str) -> pd.DataFrame:
        """``dead`` rows of one run (every record, every hidden layer)."""
        return self.dead[self.dead["run"] == run]

    def final_dead(self) -> pd.DataFrame:
        """Each run's last record of dead units per hidden layer, in the page's words:
        ``run, step, layer, dead, units, dead share, negative on every probe digit``."""
        dead = self.dead
        last = dead[dead["step"] == dead.groupby("run")["step"].transform("max")]
        return last[["run", "step", "layer", "dead", "units", "fraction", "negative"]].rename(
            columns={"fraction": "dead share", "negative": "negative on every probe digit"}
        )


@lru_cache(maxsize=1)
def training_tensors() -> tuple[Tensor, Tensor]:
    """The bundled 5,000 training digits as float32 ``[N, 784]`` and int64 labels."""
    images, labels = bundled_mnist("train")
    return standardised(images, torch.float32), torch.from_numpy(labels.astype(np.int64))


@lru_cache(maxsize=4)
def probe_tensors(size: int) -> tuple[Tensor, Tensor]:
    """A fixed random probe of held-out test digits (the same for every run and seed)."""
    return mnist_batch(size, PROBE_SEED, split="test", dtype=torch.float32)


class _Run:
    """One model, its optimizer and its shuffled batches."""

    def __init__(self, name: str, config: RunConfig) -> None:
        self.name = name
        self.config = config
        self.model = build_mlp(
            config.activation,
            config.depth,
            config.width,
            config.init,
            config.seed,
            std=config.std,
            bias=config.bias,
            dtype=torch.float32,
        )
        self.optimizer = optimizers.build(config.optimizer, self.model.parameters(), lr=config.lr)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.order = torch.empty(0, dtype=torch.long)
        self.position = 0
        self.losses: list[float] = []
        self.stopped = ""

    def next_batch(self, n: int) -> Tensor:
        """Indices of the next batch; a fresh shuffle each epoch (the last short batch dropped)."""
        size = min(self.config.batch_size, n)
        if self.position + size > len(self.order):
            self.order = torch.randperm(n, generator=self.generator)
            self.position = 0
        batch = self.order[self.position : self.position + size]
        self.position += size
        return batch

    def step(self, x: Tensor, y: Tensor, step: int) -> None:
        index = self.next_batch(len(y))
        loss = F.cross_entropy(self.model(x[index]), y[index])
        value = float(loss.detach())
        if not math.isfinite(value):
            self.stopped = Said(
                N_(
                    "{run}: diverged at step {step} (training loss {value}); stopped there. "
                    "Lower the learning rate."
                ),
                run=self.name,
                step=step,
                value=value,
            )
            return
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.losses.append(value)

    def record(
        self, step: int, probe_x: Tensor, probe_y: Tensor
    ) -> tuple[dict, pd.DataFrame] | None:
        """Probe loss, accuracy and dead units now; ``None`` (and stopped) if the probe loss
        is no longer finite."""
        with torch.no_grad():
            logits = self.model(probe_x)
            loss = float(F.cross_entropy(logits, probe_y))
            accuracy = float((logits.argmax(dim=1) == probe_y).double().mean())
        if not math.isfinite(loss):
            self.stopped = Said(
                N_(
                    "{run}: diverged by step {step} (loss on the probe digits {loss}); "
                    "stopped there. Lower the learning rate."
                )
                if step
                else N_(
                    "{run}: diverged by step {step} (loss on the probe digits {loss}); "
                    "stopped there. Its untrained outputs already overflow (a gated layer "
                    "squares its input's scale): choose a smaller init or depth."
                ),
                run=self.name,
                step=step,
                loss=loss,
            )
            return None
        train_loss = float(np.mean(self.losses)) if self.losses else math.nan
        self.losses = []
        dead = dead_unit_fraction(self.model, probe_x)
        dead.insert(0, "step", step)
        dead.insert(0, "run", self.name)
        curve = {
            "run": self.name,
            "step": step,
            "loss": loss,
            "accuracy": accuracy,
            "train_loss": train_loss,
        }
        return curve, dead


def train(runs: Mapping[str, RunConfig]) -> Iterator[Snapshot]:
    """Train every run in lockstep; yield a ``Snapshot`` at step 0, every record point, and the end.

    A run whose training loss turns NaN or infinite stops there with a message; the others go on.
    """
    if not runs:
        raise ValueError("give at least one run to train")  # internal: learning_comparison says it
    for name, config in runs.items():
        if not isinstance(config, RunConfig):
            # internal: a caller's type error
            raise ValueError(f"run {name!r} must be a RunConfig, got {type(config).__name__}")
    started = time.perf_counter()
    x, y = training_tensors()
    probe_sizes = {c.probe_size for c in runs.values()}
    probes = {size: probe_tensors(size) for size in probe_sizes}
    active = [_Run(name, config) for name, config in runs.items()]
    total = max(c.steps for c in runs.values())
    curves: list[dict] = []
    dead: list[pd.DataFrame] = []
    messages: dict[str, str] = {}

    def record(run: _Run, step: int) -> bool:
        recorded = run.record(step, *probes[run.config.probe_size])
        if recorded is None:
            messages[run.name] = run.stopped
            return False
        curves.append(recorded[0])
        dead.append(recorded[1])
        return True

    def snapshot(step: int, finished: bool) -> Snapshot:
        return Snapshot(
            step=step,
            total_steps=total,
            curves=pd.DataFrame(curves, columns=CURVE_COLUMNS),
            dead=pd.concat(dead, ignore_index=True) if dead else pd.DataFrame(columns=DEAD_COLUMNS),
            messages=dict(messages),
            finished=finished,
            seconds=time.perf_counter() - started,
        )

    for run in active:
        record(run, 0)
    yield snapshot(0, False)
    step = 0
    for step in range(1, total + 1):
        recorded = False
        for run in active:
            if run.stopped or step > run.config.steps:
                continue
            run.step(x, y, step)
            if run.stopped:
                messages[run.name] = run.stopped
            elif step % run.config.record_every == 0 or step == run.config.steps:
                recorded = record(run, step) or recorded
        if all(run.stopped for run in active):
            break
        if recorded and step < total:
            yield snapshot(step, False)
    yield snapshot(step, True)


def train_single_threaded(runs: Mapping[str, RunConfig]) -> Iterator[Snapshot]:
    """``train(runs)``, computed on a long-lived worker thread whose torch uses one CPU thread.

    These matrices are small (64 × 784 at most), so a second thread only adds synchronisation,
    and on a busy 2-core machine that synchronisation dominates: measured there, the default
    "does it learn?" comparison took 11-48 s with 2 threads and 1.1 s with 1.
    """
    steps = train(runs)
    while (snapshot := run_single_threaded(next, steps, None)) is not None:
        yield snapshot


def run_to_end(runs: Mapping[str, RunConfig]) -> Snapshot:
    """The final snapshot of ``train(runs)`` (for tests and scripts)."""
    return deque(train(runs), maxlen=1)[0]


def comparison_label(activation: str, init: str) -> str:
    return f"{display_name(activation)}, {_(INIT_LABELS[init])}"


def comparison_pairs(extra_activations: Iterable[str] = ()) -> list[str]:
    """``COMPARISON_PAIRS`` plus each of ``extra_activations`` (the user's formula) with the
    default, Xavier and He inits, so a typed function can be tried against the catalogue."""
    extra = [f"{name}:{init}" for name in extra_activations for init in CUSTOM_PAIR_INITS]
    return [*COMPARISON_PAIRS, *extra]


def pair_label(pair: str) -> str:
    """``"sigmoid:xavier"`` → ``Sigmoid, Xavier/Glorot uniform``."""
    return comparison_label(*_split_pair(pair))


def _split_pair(pair: str | tuple[str, str]) -> tuple[str, str]:
    # rpartition: a typed formula's id ("custom:x*sigmoid(x)") holds colons, an init name none
    activation, _, init = pair.rpartition(":") if isinstance(pair, str) else (pair[0], "", pair[1])
    return activation, init


def learning_comparison(
    pairs: Iterable[str | tuple[str, str]],
    depth: int = 10,
    width: int = 64,
    optimizer: str = "sgd",
    lr: float = 0.1,
    steps: int = 300,
    seed: int = 0,
) -> dict[str, RunConfig]:
    """One run per ``(activation, init)`` pair (or its id ``"activation:init"``), everything
    else equal: does the net learn?

    The defaults (depth 10, plain SGD at 0.1, 300 steps of 64 digits) are where a sigmoid net
    with PyTorch's default init stays at chance while ReLU with He init learns.
    """
    runs = {}
    for activation, init in map(_split_pair, pairs):
        validate.choice("init", init, INITS)
        runs[comparison_label(activation, init)] = RunConfig(
            activation=activation,
            depth=depth,
            width=width,
            init=init,
            optimizer=optimizer,
            lr=lr,
            steps=steps,
            seed=seed,
        )
    if not runs:
        raise Refusal(N_("choose at least one activation and init to train"))
    return runs


def dead_relu_runs(
    depth: int = 5,
    width: int = 128,
    init: str = "pytorch_default",
    bias: float | str | None = None,
    optimizer: str = "adam",
    lr: float = 0.03,
    steps: int = 300,
    seed: int = 0,
    cures: Iterable[str] = (),
) -> dict[str, RunConfig]:
    """The ReLU net "as set" and, if any ``cures`` are chosen, a copy "with cures" beside it.

    ``bias`` sets every hidden bias at the start; ``None`` or ``"init"`` keeps the init's.
    """
    if isinstance(bias, str):
        bias = None if bias == "init" else validate.number("bias", float(bias))
    base = RunConfig(
        depth=depth,
        width=width,
        init=init,
        bias=bias,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        seed=seed,
    )
    cures = list(cures)
    as_set = _("as set")  # run names are shown: in the page's language
    return {as_set: base, _("with cures"): base.cured(cures)} if cures else {as_set: base}


# --- dead units -------------------------------------------------------------------------------


def dead_unit_fraction(model: nn.Sequential, probe_x: Tensor) -> pd.DataFrame:
    """Per hidden layer, the units that output exactly 0 for every example of ``probe_x``.

    A unit like that gets no gradient from any of those examples, so (for ReLU) nothing can
    bring it back. Columns: ``layer`` (1 = first hidden layer), ``units``, ``dead``,
    ``fraction`` (dead / units), ``negative`` (fraction of units whose pre-activation is ≤ 0 on
    every example: dead for ReLU, merely quiet for LeakyReLU, which still passes slope a). A
    gated layer (``GatedLayer``) is judged by its gate's pre-activation a = xW: ReGLU's unit
    relu(a)·b is dead where a ≤ 0 for every example (both its slopes are then 0).
    """
    if not isinstance(model, nn.Sequential):
        # internal: the page probes the models it built, with their own data
        raise ValueError(f"model must be an nn.Sequential, got {type(model).__name__}")
    # internal: as above
    if not isinstance(probe_x, Tensor) or probe_x.ndim != 2 or len(probe_x) == 0:
        raise ValueError("probe must be a non-empty 2-D tensor [examples, features]")
    rows = []
    weights = [p for p in model.parameters() if p.is_floating_point()]
    h = probe_x.to(weights[0].dtype) if weights else probe_x
    layer = 0
    with torch.no_grad():
        for module in model:
            try:
                out = module(h)
            except RuntimeError as err:
                # internal: the page's probe is the training data the model was built for
                raise ValueError(f"the probe does not fit the model: {err}") from None
            if isinstance(module, nn.Linear):
                layer += 1
            else:
                if isinstance(module, GatedLayer):
                    layer += 1
                    pre = module.gate(h)
                else:
                    pre = h
                dead = int((out == 0).all(dim=0).sum())
                units = out.shape[1]
                rows.append(
                    {
                        "layer": layer,
                        "units": units,
                        "dead": dead,
                        "fraction": dead / units,
                        "negative": float((pre <= 0).all(dim=0).double().mean()),
                    }
                )
            h = out
    return pd.DataFrame(rows, columns=["layer", "units", "dead", "fraction", "negative"])
