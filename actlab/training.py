"""Quick MNIST training that compares activations fairly, fast, and side by side.

Every activation (and every seed) is one *member* of a single batched model: the members'
weights are stacked so one wide GEMM computes the first layer of all of them at once and one
``bmm`` over all members each later layer. The members share the initial weights of their
seed, the order of the data and the number of steps, so the only difference between them is
the activation.
Their losses are summed before ``backward``; as the members share no parameter, each one gets
exactly the gradient it would get alone, and the elementwise optimizers (SGD with momentum,
Adam) update each one exactly as alone.

``train`` is the whole experiment; ``TrainingRun`` runs it in a background thread behind a
process-wide limit on concurrent trainings so a page can share one run among many viewers, and
``RunRegistry`` adds what a public server needs: compute caps, a bounded queue, one run per
visitor, and runs that stop once nobody watches them.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from actlab import activations, datasets, memory

OPTIMIZERS = ("sgd", "adam")
SITES = ("hidden", "output")
INPUT_SCALINGS = ("standardize", "divide_by_255")
DEVICES = ("auto", "cpu", "cuda")
# Memory caps of one run, all members together (two runs at once must fit a small server):
# weights (each with gradient and two Adam moments, 16 bytes) and the widest layer's outputs of
# one step, samples × units (a handful of such float32 tensors are alive at once).
MAX_PARAMETERS = 4_000_000
MAX_STEP_UNITS = 2**20  # e.g. 4 activations × 256 units × batch 1024
# Compute caps of one run started from a page (``budget_problem``): estimated FLOPs
# (``training_flops``) and optimizer steps, whose fixed cost (~1.5-6 ms each on 2 cores, by the
# number of models) dominates small batches. bench/bench_training_budget.py on the 2-core VM
# (bench/README.md): the longest run within both caps took 27-108 s for seven page shapes.
MAX_TRAINING_FLOPS = float(os.environ.get("ACTLAB_MAX_TRAINING_FLOPS", "2e12"))
MAX_TRAINING_STEPS = float(os.environ.get("ACTLAB_MAX_TRAINING_STEPS", "30000"))
SUBSET_SEED = 20_240_601  # the training subset is the same for every seed and activation
HISTORY_COLUMNS = [
    "step",
    "epoch",
    "activation",
    "seed",
    "train_loss",
    "test_loss",
    "test_accuracy",
    "seconds",
]
# Output functions for the torch.nn tutorial experiment, applied to the logits before nll_loss.
OUTPUT_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "log_softmax": lambda z: F.log_softmax(z, dim=-1),
    "softmax": lambda z: F.softmax(z, dim=-1),
}


# --- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationSpec:
    """One member's activation: a catalogue name plus parameters, or a custom callable.

    ``function`` (elementwise, differentiable) takes precedence over the catalogue; ``label``
    is what tables and charts call the member.
    """

    name: str
    params: tuple[tuple[str, float], ...] = ()
    function: Callable[[Tensor], Tensor] | None = None
    label: str = ""

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if self.function is not None or self.name in OUTPUT_FUNCTIONS:
            base = self.name
        else:
            base = activations.display_name(self.name)
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{base}({args})" if args else base

    def resolve(self) -> Callable[[Tensor], Tensor]:
        """The callable applied to a member's pre-activations (validates name and params)."""
        if self.function is not None:
            return self.function
        if self.name in OUTPUT_FUNCTIONS:
            if self.params:
                raise ValueError(f"{self.name} takes no parameters, got {dict(self.params)}")
            return OUTPUT_FUNCTIONS[self.name]
        return activations.function(self.name, **dict(self.params))


def as_spec(value: ActivationSpec | str) -> ActivationSpec:
    if isinstance(value, ActivationSpec):
        return value
    if isinstance(value, str):
        return ActivationSpec(value)
    raise ValueError(f"an activation must be a name or an ActivationSpec, got {value!r}")


def _positive_int(name: str, value: Any, low: int = 1, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _choice(name: str, value: Any, options: Sequence[str]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return value


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a training run; hashable, so equal configs share one run.

    ``hidden`` lists the hidden layer widths (empty: logistic regression). ``compare_at``
    ``"hidden"`` puts each member's activation after every hidden layer and trains with
    cross-entropy; ``"output"`` applies it to the logits and feeds the result to ``nll_loss``
    (the torch.nn tutorial's experiment; hidden layers, if any, then use ReLU).
    ``train_limit`` trains on a fixed random subset of that many training images.
    """

    dataset: str = "mnist"
    source: str = "auto"
    folder: str | None = None
    activations: tuple[ActivationSpec, ...] = (ActivationSpec("relu"), ActivationSpec("tanh"))
    hidden: tuple[int, ...] = (128,)
    compare_at: str = "hidden"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 64
    epochs: int = 1
    seeds: tuple[int, ...] = (0,)
    device: str = "auto"
    train_limit: int | None = None
    evals_per_epoch: int = 2
    input_scaling: str = "standardize"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        datasets.dataset_info(self.dataset)
        if self.source != "auto":
            _choice("source", self.source, datasets.SOURCE_KINDS)
        specs = self.activations
        if isinstance(specs, str | ActivationSpec):
            specs = (specs,)
        specs = tuple(as_spec(s) for s in specs)
        if not specs:
            raise ValueError("choose at least one activation")
        for spec in specs:
            if spec.name in OUTPUT_FUNCTIONS and self.compare_at == "hidden":
                raise ValueError(f"{spec.name} is an output function: use compare_at='output'")
            spec.resolve()
        titles = [s.title for s in specs]
        duplicates = sorted({t for t in titles if titles.count(t) > 1})
        if duplicates:
            raise ValueError(f"activation {duplicates[0]!r} is listed twice")
        set_(self, "activations", specs)
        hidden = (self.hidden,) if isinstance(self.hidden, int) else tuple(self.hidden)
        for width in hidden:
            _positive_int("hidden layer width", width, 1, 4096)
        if len(hidden) > 4:
            raise ValueError(f"at most 4 hidden layers, got {len(hidden)}")
        set_(self, "hidden", tuple(int(w) for w in hidden))
        _choice("compare_at", self.compare_at, SITES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("device", self.device, DEVICES)
        _choice("input_scaling", self.input_scaling, INPUT_SCALINGS)
        for name, allowed, ok in (
            ("lr", "in (0, 10]", lambda v: 0 < v <= 10),
            ("momentum", "in [0, 0.999]", lambda v: 0 <= v <= 0.999),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not (math.isfinite(value) and ok(value)):
                raise ValueError(f"{name} must be {allowed}, got {value!r}")
            set_(self, name, float(value))
        set_(self, "batch_size", _positive_int("batch_size", self.batch_size, 1, 8192))
        set_(self, "epochs", _positive_int("epochs", self.epochs, 1, 100))
        set_(self, "evals_per_epoch", _positive_int("evals_per_epoch", self.evals_per_epoch, 1, 50))
        seeds = (self.seeds,) if isinstance(self.seeds, int) else tuple(self.seeds)
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct and at least one, got {seeds!r}")
        for seed in seeds:
            _positive_int("seed", seed, 0, 2**31 - 1)
        if len(seeds) * len(specs) > 64:
            raise ValueError(f"{len(specs)} activations × {len(seeds)} seeds is over 64 models")
        set_(self, "seeds", tuple(int(s) for s in seeds))
        weights = self.weights
        if weights > MAX_PARAMETERS:
            raise ValueError(
                f"{weights:,} weights in all models together is over the {MAX_PARAMETERS:,} "
                "this server allows: use fewer or narrower layers, activations or seeds"
            )
        units = self.batch_size * self.widest_layer_units
        if units > MAX_STEP_UNITS:
            raise ValueError(
                f"batch {self.batch_size} × {self.widest_layer_units:,} units in the widest layer "
                f"of all models is {units:,} values per step, over the {MAX_STEP_UNITS:,} this "
                "server allows: use a smaller batch or fewer/narrower layers, activations or seeds"
            )
        if self.train_limit is not None:
            set_(self, "train_limit", _positive_int("train_limit", self.train_limit, 10))

    @property
    def titles(self) -> list[str]:
        return [spec.title for spec in self.activations]

    @property
    def weights(self) -> int:
        """Weights and biases of all members together (input 784, output 10 per member)."""
        sizes = (28 * 28, *self.hidden, datasets.NUM_CLASSES)
        per_member = sum(a * b + b for a, b in itertools.pairwise(sizes))
        return per_member * len(self.activations) * len(self.seeds)

    @property
    def widest_layer_units(self) -> int:
        """Outputs of the widest layer for one sample, all members together."""
        widths = (*self.hidden, datasets.NUM_CLASSES)
        return max(widths) * len(self.activations) * len(self.seeds)


# Ready-made experiments (``TrainingConfig`` keyword arguments).
PRESETS: dict[str, dict[str, Any]] = {
    # Four common activations on the 5,000 bundled digits: a few seconds on 2 CPU cores.
    "quick comparison": {
        "activations": ("relu", "tanh", "sigmoid", "gelu"),
        "hidden": (128,),
        "compare_at": "hidden",
        "optimizer": "adam",
        "lr": 1e-3,
        "momentum": 0.9,
        "batch_size": 64,
        "epochs": 3,
        "seeds": (0,),
        "train_limit": 5000,
        "evals_per_epoch": 2,
        "input_scaling": "standardize",
    },
    # "What is torch.nn really?": logistic regression 784 -> 10, plain SGD, lr 0.5, batch 64,
    # 2 epochs, pixels / 255, with the function fed to nll_loss swapped.
    "torch.nn tutorial experiment": {
        "activations": ("log_softmax", "softmax", "sigmoid", "tanh"),
        "hidden": (),
        "compare_at": "output",
        "optimizer": "sgd",
        "lr": 0.5,
        "momentum": 0.0,
        "batch_size": 64,
        "epochs": 2,
        "seeds": (0,),
        "train_limit": None,
        "evals_per_epoch": 2,
        "input_scaling": "divide_by_255",
    },
}


def training_flops(config: TrainingConfig, n_train: int, n_test: int) -> int:
    """Estimated floating-point operations of a whole run: its training steps and evaluations.

    Each weight (biases included) costs 2 FLOPs per sample forward (a multiply and an add) and
    4 backward (the gradients of its input and of itself): ``6 × weights × samples`` per epoch,
    where ``samples`` is ``min(train_limit, n_train)`` and ``weights`` counts every member.
    Each evaluation runs the ``n_test`` test images forward once: ``2 × weights × n_test``.
    Activations, the loss, the optimizer step and per-step overheads are left out: they add
    a few percent for a wide model and dominate only small batches and models (which
    ``training_steps`` and its cap account for).
    """
    samples = n_train if config.train_limit is None else min(config.train_limit, n_train)
    evaluations = len(_schedule(samples, config)[2])
    return 6 * config.weights * samples * config.epochs + 2 * config.weights * n_test * evaluations


def training_steps(config: TrainingConfig, n_train: int) -> int:
    """Optimizer steps of a whole run: ``ceil(samples / batch) × epochs``."""
    samples = n_train if config.train_limit is None else min(config.train_limit, n_train)
    return _schedule(samples, config)[1]


def preload_optimizers() -> None:
    """Import what constructing a torch optimizer imports on first use (``torch._dynamo``,
    ~1 s), so a page can pay it in the background while its user is still choosing settings."""
    import torch._dynamo  # noqa: F401


def resolve_device(device: str) -> torch.device:
    """``auto`` means CUDA when torch sees a GPU, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU")
    return torch.device(device)


def parse_hidden(text: str) -> tuple[int, ...]:
    """Hidden widths from text such as ``"256, 128"``; empty or ``none`` means no hidden layer."""
    cleaned = text.strip().lower()
    if cleaned in ("", "none", "-"):
        return ()
    widths = []
    for part in cleaned.replace(";", ",").replace("x", ",").split(","):
        part = part.strip()
        if not part.isdigit():
            raise ValueError(
                f"hidden layer sizes must be whole numbers like '256, 128'; got {part!r}"
            )
        widths.append(int(part))
    return tuple(widths)


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorData:
    """Images as flat uint8 ``[N, 784]`` on the training device (converted per batch)."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor
    shift: float  # x_float = (x_uint8 - shift) * scale
    scale: float
    class_names: tuple[str, ...]
    description: str
    test_images: np.ndarray  # uint8 [N, 28, 28], shared with the dataset cache (read-only)


def _pixel_moments(images: np.ndarray) -> tuple[float, float]:
    """Exact mean and std of all pixels, from a 256-bin histogram.

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
    if config.train_limit is not None and config.train_limit < len(labels):
        chosen = np.random.default_rng(SUBSET_SEED).permutation(len(labels))[: config.train_limit]
        images, labels = images[np.sort(chosen)], labels[np.sort(chosen)]
    if config.input_scaling == "standardize":
        mean, std = _pixel_moments(images)
        shift, scale = mean, 1.0 / std
    else:
        shift, scale = 0.0, 1.0 / 255.0

    def flat(array: np.ndarray) -> Tensor:
        """``[N, 784]`` uint8 sharing the dataset cache's memory (no copy per run on the CPU).

        The cached arrays are read-only and training only ever reads them (``index_select``),
        so torch's warning about non-writable arrays does not apply.
        """
        rows = np.ascontiguousarray(array.reshape(len(array), -1))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            return torch.from_numpy(rows).to(device)

    return TensorData(
        train_x=flat(images),
        train_y=torch.from_numpy(labels.astype(np.int64)).to(device),
        test_x=flat(data.test_images),
        test_y=torch.from_numpy(data.test_labels.astype(np.int64)).to(device),
        shift=shift,
        scale=scale,
        class_names=data.class_names,
        description=data.source.describe(),
        test_images=data.test_images,
    )


# --- the batched model ------------------------------------------------------------------------


def initial_weights(sizes: Sequence[int], seed: int) -> list[tuple[Tensor, Tensor]]:
    """``nn.Linear``'s default init, drawn in a fixed order from ``seed``: ``[(W [out, in], b)]``.

    U(-1/√fan_in, 1/√fan_in) for weights and biases drawn exactly as ``nn.Linear`` draws them
    after ``torch.manual_seed(seed)``, so a plain torch model can start from the same point.
    """
    generator = torch.Generator().manual_seed(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        weight = torch.empty(fan_out, fan_in)
        torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
        bound = 1.0 / math.sqrt(fan_in)
        bias = torch.empty(fan_out).uniform_(-bound, bound, generator=generator)
        layers.append((weight, bias))
    return layers


class StackedMLP(torch.nn.Module):
    """``S`` seeds × ``A`` activations MLPs in stacked tensors, laid out for few, large GEMMs.

    Layer 1 holds most of the work, so it is one GEMM per seed: the ``A`` members' weight
    matrices are stacked row-wise in ``[S, A·H, D']`` and multiplied by the batch's transposed
    inputs ``[S, D', B]``. Three choices make that GEMM fast and the rest cheap:

    - features-by-batch outputs ``[S, A·H, B]``: each member's block ``[H, B]`` is contiguous,
      so its activation runs on dense memory and the stacked result feeds one ``bmm`` over all
      ``S·A`` members for every later layer;
    - the layer-1 bias is a weight column multiplying a constant-1 input feature, so the GEMM
      adds it, and its gradient comes out of the weight-gradient GEMM instead of a reduction;
    - ``D' = D + 1`` rounded up to a multiple of 16 (zero features, whose weights get zero
      gradient and stay put), because an aligned inner dimension runs the GEMM faster.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden_functions: Sequence[Callable[[Tensor], Tensor]],
        seeds: Sequence[int],
    ) -> None:
        super().__init__()
        self.sizes = tuple(sizes)
        self.functions = list(hidden_functions)
        self.S, self.A = len(seeds), len(self.functions)
        self.input_width = self.sizes[0]
        self.padded_width = padded_input_width(self.input_width)
        per_seed = [initial_weights(sizes, seed) for seed in seeds]
        first = torch.zeros(self.S, self.A * self.sizes[1], self.padded_width)
        for s, ((weight, bias), *_) in enumerate(per_seed):
            first[s, :, : self.input_width] = weight.repeat(self.A, 1)
            first[s, :, self.input_width] = bias.repeat(self.A)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(first)])
        self.biases = torch.nn.ParameterList()
        for layer in range(1, len(sizes) - 1):
            w = torch.stack([p[layer][0] for p in per_seed for _ in range(self.A)])
            b = torch.stack([p[layer][1][:, None] for p in per_seed for _ in range(self.A)])
            self.weights.append(torch.nn.Parameter(w))  # [S·A, out, in]
            self.biases.append(torch.nn.Parameter(b))  # [S·A, out, 1]

    def input_buffer(self, rows: int, device: torch.device | str) -> Tensor:
        """``[rows, D']`` float32 for inputs: the bias feature (1) and padding (0) filled in,
        the ``D`` input columns left for the caller to write."""
        buffer = torch.empty(rows, self.padded_width, device=device)
        buffer[:, self.input_width] = 1.0
        buffer[:, self.input_width + 1 :] = 0.0
        return buffer

    def pad(self, x: Tensor) -> Tensor:
        """``[..., D]`` → ``[..., D']``: the constant-1 bias feature, then zeros."""
        padded = self.input_buffer(x[..., 0].numel(), x.device).to(x.dtype)
        padded[:, : self.input_width] = x.reshape(-1, self.input_width)
        return padded.view(*x.shape[:-1], self.padded_width)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``[S, B, D]`` (or already padded ``[S, B, D']``) → logits ``[S, A, B, C]``."""
        if x.shape[-1] == self.input_width:
            x = self.pad(x)
        S, A, B = self.S, self.A, x.shape[1]
        z = torch.bmm(self.weights[0], x.transpose(1, 2))  # [S, A·H1, B]
        for weights, biases in zip(list(self.weights)[1:], self.biases, strict=True):
            members = z.view(S, A, -1, B).unbind(dim=1)  # A × [S, H, B]
            h = torch.stack([f(m) for f, m in zip(self.functions, members, strict=True)], 1)
            z = torch.baddbmm(biases, weights, h.view(S * A, -1, B))  # [S·A, out, B]
        return z.view(S, A, -1, B).transpose(2, 3)

    def member_weights(self, seed_index: int, member: int) -> list[tuple[Tensor, Tensor]]:
        """One member's ``[(W [out, in], b [out])]``, comparable with ``initial_weights``."""
        width, d = self.sizes[1], self.input_width
        rows = self.weights[0][seed_index, member * width : (member + 1) * width]
        layers = [(rows[:, :d], rows[:, d])]
        index = seed_index * self.A + member
        for w, b in zip(list(self.weights)[1:], self.biases, strict=True):
            layers.append((w[index], b[index, :, 0]))
        return [(w.detach(), b.detach()) for w, b in layers]


def padded_input_width(width: int) -> int:
    """Input features plus the bias feature, rounded up to a multiple of 16 floats (64 bytes)."""
    return -(-(width + 1) // 16) * 16


def member_losses(
    logits: Tensor, labels: Tensor, outputs: Sequence[Callable[[Tensor], Tensor]] | None
) -> tuple[Tensor, Tensor]:
    """Mean loss ``[S, A]`` and the model outputs ``[S, A, B, C]`` whose argmax is the guess.

    Without ``outputs`` the loss is cross-entropy on the logits (and the logits are returned:
    same argmax); with them each member's output function is applied to its logits and the
    result goes to nll_loss: ``-mean(out[y])``.
    """
    S, A, B, C = logits.shape
    if outputs is None:
        # One fused cross_entropy over all members, classes in dim 1: [S·A, C, B] is the layout
        # StackedMLP computes, so this reshape is a view and log-softmax needs no transpose.
        scores = logits.transpose(2, 3).reshape(S * A, C, B)
        targets = labels[:, None].expand(S, A, B).reshape(S * A, B)
        loss = F.cross_entropy(scores, targets, reduction="none")
        return loss.mean(dim=1).view(S, A), logits
    if len(outputs) == 1:
        out = outputs[0](logits)
    else:
        out = torch.stack([g(logits[:, a]) for a, g in enumerate(outputs)], dim=1)
    index = labels.view(S, 1, B, 1).expand(S, A, B, 1)
    return -out.gather(3, index).squeeze(3).mean(dim=2), out


# --- training ---------------------------------------------------------------------------------


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


@dataclass
class TrainingResult:
    """The outcome: ``history`` (one row per evaluation and member) and per-activation summaries.

    ``test_accuracy`` maps each activation to its last measured test accuracy (mean over
    seeds). ``test_probabilities`` holds softmax(logits) on the test set for the first seed.
    """

    config: TrainingConfig
    history: pd.DataFrame
    test_accuracy: dict[str, float]
    messages: dict[str, str]
    stopped: bool
    seconds: float
    train_seconds: float
    samples_seen: int
    device: str
    test_labels: np.ndarray
    test_probabilities: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    data_description: str
    test_images: np.ndarray
    model: StackedMLP | None = field(default=None, repr=False)

    @property
    def samples_per_second(self) -> float:
        """Training samples per second per member (all members advance together)."""
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else 0.0


class _Evaluator:
    """Test loss and accuracy of all members, in chunks so memory stays small."""

    def __init__(self, data: TensorData, config: TrainingConfig, chunk: int = 2000) -> None:
        # A chunk never holds more layer outputs than a training step may.
        self.data = data
        self.chunk = max(1, min(chunk, MAX_STEP_UNITS // config.widest_layer_units))

    @torch.no_grad()
    def __call__(
        self, model: StackedMLP, outputs, should_stop: Callable[[], bool] | None = None
    ) -> tuple[Tensor, Tensor, Tensor] | None:
        """``(mean loss [S, A], accuracy [S, A], softmax probabilities of seed 0 [A, N, C])``.

        ``None`` when ``should_stop`` turned true between chunks, so a big model stops promptly.
        """
        data, S = self.data, model.S
        loss_sum = correct = None
        probabilities = []
        for start in range(0, len(data.test_y), self.chunk):
            if should_stop is not None and should_stop():
                return None
            x = _to_float(data.test_x[start : start + self.chunk], data, model)
            y = data.test_y[start : start + self.chunk]
            logits = model(x.expand(S, -1, -1))
            losses, out = member_losses(logits, y.expand(S, -1), outputs)
            hits = (out.argmax(dim=3) == y).sum(dim=2)
            loss_sum = losses * len(y) if loss_sum is None else loss_sum + losses * len(y)
            correct = hits if correct is None else correct + hits
            probabilities.append(F.softmax(logits[0], dim=-1))
        n = len(data.test_y)
        return loss_sum / n, correct.double() / n, torch.cat(probabilities, dim=1)


def _to_float(x: Tensor, data: TensorData, model: StackedMLP | None = None) -> Tensor:
    """uint8 rows ``[N, D]`` → scaled floats; with ``model``, straight into its padded
    ``[N, D']`` input layout (bias feature and zeros), one buffer and no extra copy."""
    d = x.shape[1]
    out = (
        torch.empty(len(x), d, device=x.device)
        if model is None
        else model.input_buffer(len(x), x.device)
    )
    out[:, :d].copy_(x).sub_(data.shift).mul_(data.scale)
    return out


def _schedule(n_train: int, config: TrainingConfig) -> tuple[int, int, set[int]]:
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    total = steps_per_epoch * config.epochs
    evals = {
        round(steps_per_epoch * (e + k / config.evals_per_epoch))
        for e in range(config.epochs)
        for k in range(1, config.evals_per_epoch + 1)
    }
    return steps_per_epoch, total, evals | {total}


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
    started = time.perf_counter()
    device = resolve_device(config.device)
    data = data if data is not None else tensor_data(config, device)
    site_output = config.compare_at == "output"
    functions = [spec.resolve() for spec in config.activations]
    hidden_functions = [activations.function("relu")] * len(functions) if site_output else functions
    outputs = functions if site_output else None
    sizes = (data.train_x.shape[1], *config.hidden, len(data.class_names))
    model = StackedMLP(sizes, hidden_functions, config.seeds).to(device)
    # fused: one kernel per step for all parameters (CPU and CUDA), the same arithmetic.
    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(
            model.parameters(), lr=config.lr, momentum=config.momentum, fused=True
        )
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    evaluate = _Evaluator(data, config)
    titles, S, A = config.titles, len(config.seeds), len(functions)
    n_train = len(data.train_y)
    steps_per_epoch, total_steps, eval_steps = _schedule(n_train, config)
    # The data order of a seed comes from its own stream, apart from the initial weights'.
    order_generators = [torch.Generator().manual_seed(2**32 + seed) for seed in config.seeds]

    rows: list[dict[str, Any]] = []
    messages: dict[str, str] = {}
    alive = np.ones((S, A), dtype=bool)
    probabilities = torch.zeros(A, len(data.test_y), len(data.class_names))
    running_loss = torch.zeros(S, A, device=device, dtype=torch.float64)
    running_steps = 0
    train_seconds = 0.0
    samples_seen = 0
    stopped = False
    last_report = started
    step = 0
    permutation = None

    def history() -> pd.DataFrame:
        return pd.DataFrame(rows, columns=HISTORY_COLUMNS)

    def report() -> None:
        if on_progress is None:
            return
        elapsed = time.perf_counter() - started
        rate = samples_seen / train_seconds if train_seconds > 0 else 0.0
        eta = (total_steps - step) * (elapsed / step) if step else float("nan")
        on_progress(
            Progress(step, total_steps, step / steps_per_epoch, elapsed, eta, rate, history())
        )

    def check_divergence(losses: np.ndarray) -> None:
        for s, a in zip(*np.nonzero(alive & ~np.isfinite(losses)), strict=True):
            alive[s, a] = False
            seed_note = f" (seed {config.seeds[s]})" if S > 1 else ""
            messages.setdefault(
                titles[a],
                f"{titles[a]}{seed_note}: the training loss became {losses[s, a]} by step "
                f"{step}; that run was stopped. Try a smaller learning rate.",
            )

    def record(train_losses: np.ndarray) -> bool:
        """Evaluate and append history rows; ``False`` if a stop request cut the evaluation."""
        evaluation = evaluate(model, outputs, should_stop)
        if evaluation is None:
            return False
        test_loss, test_acc, probs = evaluation
        test_loss, test_acc = test_loss.double().cpu().numpy(), test_acc.cpu().numpy()
        check_divergence(train_losses)
        check_divergence(test_loss)
        elapsed = time.perf_counter() - started
        for s, seed in enumerate(config.seeds):
            for a, title in enumerate(titles):
                if not alive[s, a]:
                    continue
                rows.append(
                    {
                        "step": step,
                        "epoch": step / steps_per_epoch,
                        "activation": title,
                        "seed": seed,
                        "train_loss": float(train_losses[s, a]),
                        "test_loss": float(test_loss[s, a]),
                        "test_accuracy": float(test_acc[s, a]),
                        "seconds": elapsed,
                    }
                )
        for a in range(A):
            if alive[0, a]:
                probabilities[a] = probs[a].float().cpu()
        return True

    train_started = time.perf_counter()
    while step < total_steps and alive.any():
        if should_stop is not None and should_stop():
            stopped = True
            break
        position = step % steps_per_epoch
        if position == 0:
            permutation = torch.stack(
                [torch.randperm(n_train, generator=g) for g in order_generators]
            )
            permutation = permutation.to(device, non_blocking=True)
        batch = permutation[:, position * config.batch_size : (position + 1) * config.batch_size]
        picked = batch.reshape(-1)  # index_select copies whole rows: faster than fancy indexing
        x = _to_float(data.train_x.index_select(0, picked), data, model)
        x = x.view(S, -1, model.padded_width)
        y = data.train_y.index_select(0, picked).view(S, -1)
        losses, _ = member_losses(model(x), y, outputs)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        running_loss += losses.detach()
        running_steps += 1
        step += 1
        samples_seen += batch.shape[1]
        if step in eval_steps or step % check_every == 0:
            mean_loss = (running_loss / running_steps).cpu().numpy()
            train_seconds += time.perf_counter() - train_started
            if step in eval_steps:
                if not record(mean_loss):
                    stopped, train_started = True, time.perf_counter()
                    break
                running_loss.zero_()
                running_steps = 0
                report()
                last_report = time.perf_counter()
            else:
                check_divergence(mean_loss)
            train_started = time.perf_counter()
        if on_progress is not None and time.perf_counter() - last_report > progress_interval:
            train_seconds += time.perf_counter() - train_started
            report()
            last_report = train_started = time.perf_counter()
    train_seconds += time.perf_counter() - train_started

    frame = history()
    last = frame.sort_values("step").groupby(["activation", "seed"]).tail(1)
    accuracy = last.groupby("activation")["test_accuracy"].mean()
    return TrainingResult(
        config=config,
        history=frame,
        test_accuracy={t: float(accuracy.get(t, float("nan"))) for t in titles},
        messages=messages,
        stopped=stopped,
        seconds=time.perf_counter() - started,
        train_seconds=train_seconds,
        samples_seen=samples_seen,
        device=str(device),
        test_labels=data.test_y.cpu().numpy(),
        test_probabilities={t: probabilities[a].numpy() for a, t in enumerate(titles)},
        class_names=data.class_names,
        data_description=data.description,
        test_images=data.test_images,
        model=model,
    )


# --- reading the result -----------------------------------------------------------------------


def summary_table(result: TrainingResult) -> pd.DataFrame:
    """One row per activation: final and best test accuracy, when the best came, and status.

    With several seeds the accuracy is the mean over seeds, with the min and max beside it.
    """
    history, rows = result.history, []
    for title in result.config.titles:
        runs = history[history["activation"] == title]
        row: dict[str, Any] = {"activation": title}
        if runs.empty:
            row |= dict.fromkeys(
                ["final accuracy", "min", "max", "best accuracy", "best epoch", "seconds to best"],
                float("nan"),
            )
        else:
            by_step = runs.groupby("step").agg(
                accuracy=("test_accuracy", "mean"),
                epoch=("epoch", "first"),
                seconds=("seconds", "first"),
            )
            last = runs.sort_values("step").groupby("seed").tail(1)["test_accuracy"]
            best = by_step["accuracy"].idxmax()
            row |= {
                "final accuracy": float(last.mean()),
                "min": float(last.min()),
                "max": float(last.max()),
                "best accuracy": float(by_step.loc[best, "accuracy"]),
                "best epoch": float(by_step.loc[best, "epoch"]),
                "seconds to best": float(by_step.loc[best, "seconds"]),
            }
        if title in result.messages:
            row["status"] = "diverged"
        elif result.stopped:
            row["status"] = "stopped early"
        else:
            row["status"] = "finished"
        rows.append(row)
    return pd.DataFrame(rows)


def seed_bands(history: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, min and max over seeds of each metric per activation and step, in long format.

    Columns: ``activation, step, epoch, metric, mean, low, high, seeds``. With one seed the
    band collapses onto the line (low = mean = high).
    """
    columns = ["activation", "step", "epoch", "metric", "mean", "low", "high", "seeds"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    long = history.melt(
        id_vars=["activation", "step", "epoch", "seed"],
        value_vars=list(metrics),
        var_name="metric",
        value_name="value",
    )
    grouped = long.groupby(["activation", "step", "metric"], sort=False)
    bands = grouped.agg(
        epoch=("epoch", "first"),
        mean=("value", "mean"),
        low=("value", "min"),
        high=("value", "max"),
        seeds=("seed", "nunique"),
    ).reset_index()
    bands["metric"] = bands["metric"].str.replace("_", " ")
    return bands[columns]


def _member(result: TrainingResult, activation: str) -> np.ndarray:
    if activation not in result.test_probabilities:
        raise ValueError(
            f"no activation {activation!r} in this run; expected one of "
            f"{', '.join(result.test_probabilities)}"
        )
    return result.test_probabilities[activation]


def confusion_matrix(result: TrainingResult, activation: str) -> pd.DataFrame:
    """Counts of (true class, predicted class) on the test set, first seed, long format.

    Columns: ``true, predicted, count, share`` (share of the true class's images).
    """
    predicted = _member(result, activation).argmax(axis=1)
    k = len(result.class_names)
    counts = np.bincount(result.test_labels * k + predicted, minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    names = np.array(result.class_names)
    true_index, pred_index = np.indices((k, k))
    return pd.DataFrame(
        {
            "true": names[true_index.ravel()],
            "predicted": names[pred_index.ravel()],
            "count": counts.ravel(),
            "share": (counts / np.maximum(totals, 1)).ravel(),
        }
    )


def misclassified(result: TrainingResult, activation: str, limit: int = 24) -> pd.DataFrame:
    """The test images the model got wrong, most confident mistakes first.

    Columns: ``index`` (into the test set), ``true``, ``predicted``, ``p_predicted``, ``p_true``.
    """
    probabilities = _member(result, activation)
    predicted = probabilities.argmax(axis=1)
    wrong = np.nonzero(predicted != result.test_labels)[0]
    p_predicted = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-p_predicted, kind="stable")[:limit]
    names = np.array(result.class_names)
    chosen = wrong[order]
    return pd.DataFrame(
        {
            "index": chosen,
            "true": names[result.test_labels[chosen]],
            "predicted": names[predicted[chosen]],
            "p_predicted": p_predicted[order],
            "p_true": probabilities[chosen, result.test_labels[chosen]],
        }
    )


# --- shared runs with a process-wide limit ----------------------------------------------------

MAX_CONCURRENT_TRAININGS = int(os.environ.get("ACTLAB_MAX_TRAININGS", "2"))
# Runs waiting for a slot, per lane (quick runs have their own); one more is refused.
MAX_QUEUED_TRAININGS = int(os.environ.get("ACTLAB_MAX_QUEUED_TRAININGS", "6"))
# A run estimated at most this (the "quick comparison" preset: 8.5e10, a few seconds) may also
# take a slot of its own, so a queue of long runs never keeps a quick one waiting.
QUICK_RUN_FLOPS = 2e11
RUNS_PER_VIEWER = 1  # unfinished runs one page session holds; starting another lets go of one
LEASE_SECONDS = 6.0  # a run no viewer's page has polled for this long stops by itself
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_TRAININGS)
_QUICK_SLOTS = threading.BoundedSemaphore(1)
_waiting: list[TrainingRun] = []
_waiting_lock = threading.Lock()
_run_ids = itertools.count(1)


@dataclass(frozen=True)
class RunState:
    """A consistent snapshot of a run for a page: status plus whatever exists yet.

    ``status`` is ``queued``, ``running``, ``done``, ``stopped`` or ``failed``.
    """

    status: str
    progress: Progress | None
    result: TrainingResult | None
    error: str | None
    queue_position: int  # 1 = next to start; 0 when not waiting
    viewers: int = 0  # viewers whose lease is alive

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")


class TrainingRun:
    """One training in a background thread; any number of viewers can poll ``state()``.

    The thread waits its turn (first come, first served) for one of the process-wide slots
    (``MAX_CONCURRENT_TRAININGS``) before it trains, so a busy server queues work instead of
    thrashing; a run given ``quick_slots`` takes one of those instead if it frees first.
    ``stop()`` works while queued and while training.

    Viewers are opaque ids (one per page session). With ``lease_seconds``, ``watch(viewer)``
    renews that viewer's lease, and once every lease is older than ``lease_seconds`` (tabs
    closed, pages gone elsewhere) the run stops by itself, queued or training. ``leave(viewer)``
    lets one viewer go and stops the run only when no other viewer still watches it.
    """

    def __init__(
        self,
        config: TrainingConfig,
        slots: threading.Semaphore | None = None,
        *,
        quick_slots: threading.Semaphore | None = None,
        lease_seconds: float | None = None,
    ) -> None:
        self.config = config
        self.id = next(_run_ids)
        self._slots = slots or _SLOTS
        self._quick_slots = quick_slots
        self._lease_seconds = lease_seconds
        self._leases: dict[str, float] = {}  # viewer -> time.monotonic() of the last renewal
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._status = "queued"
        self._progress: Progress | None = None
        self._result: TrainingResult | None = None
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="actlab-training", daemon=True)

    @property
    def quick(self) -> bool:
        """Whether this run may use the quick lane's slot."""
        return self._quick_slots is not None

    def start(self) -> TrainingRun:
        with _waiting_lock:
            _waiting.append(self)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for (by ``stop``, the last viewer leaving, or no lease)."""
        return self._stop.is_set()

    def watch(self, viewer: str) -> None:
        """``viewer`` watches this run: its lease starts (or starts again) now."""
        with self._lock:
            self._leases[viewer] = time.monotonic()

    def leave(self, viewer: str) -> bool:
        """``viewer`` stops watching; the run stops unless another viewer's lease is alive.

        Returns whether the run was stopped.
        """
        with self._lock:
            self._leases.pop(viewer, None)
            others = self._live_viewers()
        if others:
            return False
        self.stop()
        return True

    def watched_by(self, viewer: str) -> bool:
        with self._lock:
            return viewer in self._live_viewers()

    def _live_viewers(self) -> list[str]:
        """Viewers whose lease is alive (the caller holds ``self._lock``)."""
        if self._lease_seconds is None:
            return list(self._leases)
        oldest = time.monotonic() - self._lease_seconds
        return [viewer for viewer, renewed in self._leases.items() if renewed >= oldest]

    def _should_stop(self) -> bool:
        """Polled every training step: a stop request, or every viewer's lease run out."""
        if self._stop.is_set():
            return True
        if self._lease_seconds is None:
            return False
        with self._lock:
            abandoned = bool(self._leases) and not self._live_viewers()
        if abandoned:
            self._stop.set()
        return abandoned

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has finished; ``False`` if ``timeout`` seconds passed first."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def state(self) -> RunState:
        with _waiting_lock:
            position = self._queue_position()
        with self._lock:
            viewers = len(self._live_viewers())
            return RunState(
                self._status, self._progress, self._result, self._error, position, viewers
            )

    def _lines(self) -> list[list[TrainingRun]]:
        """The waiting runs ahead of or beside this one, per kind of slot it may take (the
        caller holds ``_waiting_lock``)."""
        lines = [[run for run in _waiting if run._slots is self._slots]]
        if self._quick_slots is not None:
            lines.append([run for run in _waiting if run._quick_slots is self._quick_slots])
        return lines

    def _queue_position(self) -> int:
        if self not in _waiting:
            return 0
        return min(line.index(self) + 1 for line in self._lines())

    def _take_slot(self) -> threading.Semaphore | None:
        """A free slot of a line this run is first in, else ``None``."""
        with _waiting_lock:
            for slots, line in zip((self._slots, self._quick_slots), self._lines(), strict=False):
                if line[0] is self and slots.acquire(blocking=False):
                    return slots
        return None

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, f"_{name}", value)

    def _run(self) -> None:
        held = None
        try:
            while held is None:
                if self._should_stop():
                    self._set(status="stopped")
                    return
                held = self._take_slot()
                if held is None:
                    self._stop.wait(0.05)
        finally:
            with _waiting_lock:
                _waiting.remove(self)
        try:
            self._set(status="running")
            result = train(self.config, lambda p: self._set(progress=p), self._should_stop)
            self._set(status="stopped" if result.stopped else "done", result=result)
        except ValueError as err:
            self._set(status="failed", error=str(err))
        except Exception as err:  # a page must see every failure, not a silent dead thread
            self._set(status="failed", error=f"{type(err).__name__}: {err}")
        finally:
            held.release()
            memory.release_freed_memory()  # the run's optimizer state and batches are gone now


class TrainingRefused(ValueError):
    """This server will not start the run now; the message says why and what to change."""


def estimated_flops(config: TrainingConfig) -> int:
    """``training_flops`` for the data ``config`` would load (sizes from the file headers)."""
    source = datasets.resolve_source(config.dataset, config.source, config.folder)
    return training_flops(config, source.n_train, source.n_test)


def _flop_text(flops: float) -> str:
    """``76.0 TFLOP`` (10^12 floating-point operations) or ``2.6 GFLOP`` (10^9)."""
    return f"{flops / 1e12:,.1f} TFLOP" if flops >= 1e11 else f"{flops / 1e9:,.1f} GFLOP"


def budget_problem(
    config: TrainingConfig,
    n_train: int,
    n_test: int,
    max_flops: float,
    max_steps: float | None = None,
) -> str | None:
    """``None`` if the run fits both caps (``training_flops`` ≤ ``max_flops`` and
    ``training_steps`` ≤ ``max_steps``); else a message with the run's figure, the cap and
    what to reduce (how many epochs would fit, when some would)."""

    def fits(epochs: int) -> bool:
        shorter = replace(config, epochs=epochs)
        return training_flops(shorter, n_train, n_test) <= max_flops and (
            max_steps is None or training_steps(shorter, n_train) <= max_steps
        )

    if fits(config.epochs):
        return None
    fitting = next((e for e in range(config.epochs - 1, 0, -1) if fits(e)), None)
    if fitting is not None:
        epochs = f"{fitting} epochs fit" if fitting > 1 else "1 epoch fits"
        reduce = f"With these settings at most {epochs}; or use"
    else:
        reduce = "Even one epoch is over it: use"
    flops = training_flops(config, n_train, n_test)
    if flops > max_flops:
        return (
            f"This training needs an estimated {_flop_text(flops)} of computation "
            f"(6 × {config.weights:,} weights × training images × epochs, plus the test "
            f"evaluations; a TFLOP is a trillion floating-point operations), over this server's "
            f"limit of {_flop_text(max_flops)} per run. {reduce} fewer training images, fewer "
            "or narrower hidden layers, or fewer activations or seeds."
        )
    samples = n_train if config.train_limit is None else min(config.train_limit, n_train)
    return (
        f"This training takes {training_steps(config, n_train):,} optimizer steps "
        f"({samples:,} training images ÷ batch {config.batch_size} × {config.epochs} epochs), "
        f"over this server's limit of {max_steps:,.0f} per run: every step has a fixed cost, "
        f"however small the batch. {reduce} a larger batch or fewer training images."
    )


class RunRegistry:
    """Identical configurations share one run; finished runs are kept (``keep`` at most).

    Limits for a public server, where every visitor is anonymous: a new run's estimated cost
    must fit ``max_flops`` (``training_flops``) and ``max_steps`` (``training_steps``); at
    most ``max_queued`` runs wait per lane (runs up to ``quick_flops`` have a lane and a slot
    of their own); ``TrainingRefused`` says so otherwise. Started or joined for a ``viewer``
    (an opaque id of one page session), a run is watched by it (``TrainingRun.watch``, with
    leases of ``lease_seconds``), and a viewer holds at most ``runs_per_viewer`` unfinished
    runs: starting or joining another lets go of its oldest, which stops if nobody else
    watches it.
    """

    def __init__(
        self,
        keep: int = 8,
        *,
        max_flops: float = MAX_TRAINING_FLOPS,
        max_steps: float = MAX_TRAINING_STEPS,
        max_queued: int = MAX_QUEUED_TRAININGS,
        runs_per_viewer: int = RUNS_PER_VIEWER,
        lease_seconds: float = LEASE_SECONDS,
        quick_flops: float = QUICK_RUN_FLOPS,
        slots: threading.Semaphore | None = None,
        quick_slots: threading.Semaphore | None = None,
    ) -> None:
        self.keep = keep
        self.max_flops = max_flops
        self.max_steps = max_steps
        self.max_queued = max_queued
        self.runs_per_viewer = runs_per_viewer
        self.lease_seconds = lease_seconds
        self.quick_flops = quick_flops
        self._slots = slots or _SLOTS
        self._quick_slots = quick_slots or _QUICK_SLOTS
        self._runs: OrderedDict[TrainingConfig, TrainingRun] = OrderedDict()
        self._lock = threading.Lock()

    def find(self, config: TrainingConfig) -> TrainingRun | None:
        with self._lock:
            return self._runs.get(config)

    def budget_problem(self, config: TrainingConfig) -> str | None:
        """Why ``config`` is over this registry's compute caps, or ``None`` if it fits."""
        source = datasets.resolve_source(config.dataset, config.source, config.folder)
        return budget_problem(config, source.n_train, source.n_test, self.max_flops, self.max_steps)

    def start(self, config: TrainingConfig, viewer: str | None = None) -> TrainingRun:
        """The shared run of ``config``: the existing one unless it was stopped or failed.

        A new run must fit the compute cap and the queue (else ``TrainingRefused``).
        """
        with self._lock:
            run = self._runs.get(config)
            if run is not None and run.state().status not in ("stopped", "failed"):
                self._runs.move_to_end(config)
                if viewer is not None:
                    self._let_go(viewer, keep=run)
                    run.watch(viewer)
                return run
            source = datasets.resolve_source(config.dataset, config.source, config.folder)
            problem = budget_problem(
                config, source.n_train, source.n_test, self.max_flops, self.max_steps
            )
            if problem is not None:
                raise TrainingRefused(problem)
            quick = training_flops(config, source.n_train, source.n_test) <= self.quick_flops
            if viewer is not None:
                self._let_go(viewer)
            waiting = [
                r
                for r in self._runs.values()
                if r.quick == quick and not r.stopping and r.state().status == "queued"
            ]
            if len(waiting) >= self.max_queued:
                raise TrainingRefused(self._queue_full(len(waiting), quick))
            run = TrainingRun(
                config,
                self._slots,
                quick_slots=self._quick_slots if quick else None,
                lease_seconds=self.lease_seconds if viewer is not None else None,
            )
            if viewer is not None:
                run.watch(viewer)
            self._runs[config] = run.start()
            self._runs.move_to_end(config)
            finished = [c for c, r in self._runs.items() if r.state().finished]
            for old in finished[: max(0, len(finished) - self.keep)]:
                del self._runs[old]
            return run

    def _let_go(self, viewer: str, keep: TrainingRun | None = None) -> None:
        """Make room for one more run of ``viewer``: it leaves its oldest unfinished runs."""
        held = [
            run
            for run in self._runs.values()
            if run is not keep and not run.state().finished and run.watched_by(viewer)
        ]
        for run in held[: max(0, len(held) - self.runs_per_viewer + 1)]:
            run.leave(viewer)

    def _queue_full(self, waiting: int, quick: bool) -> str:
        are = "training is" if waiting == 1 else "trainings are"
        message = (
            f"The training queue is full: {waiting} {are} waiting for this server's "
            f"{MAX_CONCURRENT_TRAININGS} training slots. Try again in a minute"
        )
        if quick:
            return message + "."
        return (
            f"{message}, or start a smaller run (up to {_flop_text(self.quick_flops)}, like the "
            "quick comparison preset): those have a slot of their own."
        )


RUNS = RunRegistry()
