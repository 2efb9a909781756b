"""What a training run is: its configuration, the ready-made presets, and what it will cost.

``TrainingConfig`` is hashable, so equal configurations share one run. Its checks name every
bad value (``actlab.validate``'s style); ``training_flops`` / ``training_steps`` estimate a
run's cost before it starts, and ``budget_problem`` says which of this server's caps it is over.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import torch.nn.functional as F
from torch import Tensor

from actlab import activations, datasets, gated, i18n, optimizers, validate
from actlab.i18n import N_, Message, Refusal, _
from actlab.said import Said

OPTIMIZERS = optimizers.IDS
SITES = ("hidden", "output")
# The labels below are marked (N_) and translated where a page shows them.
SITE_LABELS = {"hidden": N_("hidden layers"), "output": N_("the output (fed to nll_loss)")}
# How uint8 pixels become model inputs: ``(p / 255 - mean) / std``. ``standardize`` takes mean and
# std from the training images themselves; the others are fixed, as the protocols write them
# (torchvision's ``ToTensor()`` then ``Normalize(mean, std)``).
INPUT_SCALINGS = ("standardize", "divide_by_255", "normalize_half", "normalize_mnist")
INPUT_SCALING_LABELS = {
    "standardize": N_("standardised"),
    "divide_by_255": N_("÷ 255 (tutorial, d2l)"),
    "normalize_half": "Normalize(0.5, 0.5) (UvA)",
    "normalize_mnist": "Normalize(0.1307, 0.3081) (SNN)",
}
FIXED_NORMALIZATIONS = {
    "divide_by_255": (0.0, 1.0),
    "normalize_half": (0.5, 0.5),
    "normalize_mnist": (0.1307, 0.3081),
}
# Initialisation of every member's weights (``models.initial_weights``): PyTorch's default
# (``nn.Linear`` / ``nn.Conv2d``), Xavier-uniform weights with default biases (d2l's
# ``init_cnn``), Kaiming-normal (fan_in, ReLU gain) with zero biases, LeCun normal
# (N(0, 1/fan_in), zero biases: the SNN tutorial's ``kaiming_normal_(mode='fan_in',
# nonlinearity='linear')``), or LeCun normal for SELU members and the default for the others
# (the SNN tutorial, which initialises only its SELU networks that way).
INITS = ("default", "xavier", "kaiming", "lecun_normal", "lecun_for_selu")
INIT_LABELS = {
    "default": N_("PyTorch default"),
    "xavier": N_("Xavier uniform"),
    "kaiming": N_("Kaiming normal, zero biases"),
    "lecun_normal": N_("LeCun normal, zero biases"),
    "lecun_for_selu": N_("LeCun normal for SELU, default for the rest (SNN)"),
}
# Dropout after every dense hidden layer's activation: standard (``F.dropout``), alpha-dropout
# (``F.alpha_dropout``: keeps SELU's mean 0 and variance 1), or alpha-dropout for SELU members
# and standard dropout for the others (the SNN tutorials).
DROPOUT_KINDS = ("standard", "alpha", "alpha_for_selu")
DROPOUT_LABELS = {
    "standard": N_("dropout"),
    "alpha": N_("alpha-dropout"),
    "alpha_for_selu": N_("alpha-dropout for SELU, dropout for the rest (SNN)"),
}
DROPOUT_RATES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
# Validation splits the MNIST page offers (hold out 1/N of the training images; 0: none): the
# protocols' 1/6 (SNN: 10,000 of 60,000; UvA: 50k/10k) among them.
VALIDATION_SHARES = (0, 5, 6, 10, 20)
MAX_PATIENCE = 50  # the page's patience control (epochs; 0: no early stopping)
DEVICES = ("auto", "cpu", "cuda")
INPUT_PIXELS = 28 * 28
# Memory caps of one run, all members together (two runs at once must fit a small server):
# weights (each with gradient and two Adam moments, 16 bytes) and the widest layer's outputs of
# one step, samples × units (a handful of such float32 tensors are alive at once: 16 MiB each
# at the cap, which admits d2l's LeNet at its batch of 256 with two activations, 2.4 M values).
# A script that runs a full protocol (bench/reproduce_presets.py) may raise them through the
# environment; a server keeps the defaults.
MAX_PARAMETERS = int(os.environ.get("ACTLAB_MAX_PARAMETERS", "4000000"))
MAX_STEP_UNITS = int(os.environ.get("ACTLAB_MAX_STEP_UNITS", str(2**22)))  # 4 × 1024 × batch 1024
# Compute caps of one run started from a page (``budget_problem``): estimated FLOPs
# (``training_flops``) and optimizer steps, whose fixed cost (~1.5-6 ms each on 2 cores, by the
# number of models) dominates small batches. bench/bench_training_budget.py on the 2-core VM
# (bench/README.md): the longest run within both caps took 27-108 s for seven page shapes.
MAX_TRAINING_FLOPS = float(os.environ.get("ACTLAB_MAX_TRAINING_FLOPS", "2e12"))
MAX_TRAINING_STEPS = float(os.environ.get("ACTLAB_MAX_TRAINING_STEPS", "30000"))
# Convolutions run far below the dense layers' rate on a CPU (a few channels per group: small,
# strided GEMMs), so the FLOP cap, calibrated on MLPs, counts each convolution multiply-add this
# many times (``training_cost``). Measured on the 2-core VM at load ~10 (2026-12-02, the page's
# quick modes, bench/reproduce_presets.py --quick): the MLP presets ran at 5.4-6.6 GFLOP/s; with
# the dense layers at 6 GFLOP/s, LeNet-5's convolutions ran 4.3× and the SNN CNN's 8.5× slower.
CONV_COST_FACTOR = 6
# The values the MNIST page offers (every preset's among them).
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 0.9, 1.0, 3.0)
MOMENTA = (0.0, 0.5, 0.9, 0.95, 0.99)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
TRAIN_LIMITS = (0, 1000, 2000, 5000, 10000, 20000, 30000)  # 0: every training image
# Output functions for the torch.nn tutorial experiment, applied to the logits before nll_loss.
OUTPUT_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "log_softmax": lambda z: F.log_softmax(z, dim=-1),
    "softmax": lambda z: F.softmax(z, dim=-1),
}


@dataclass(frozen=True)
class ConvLayer:
    """One convolution block of a CNN: ``channels`` maps of ``kernel`` × ``kernel`` (stride 1,
    ``padding`` zeros each side), the member's activation and a 2 × 2 pooling (stride 2),
    ``"act_pool"`` (d2l's LeNet) or ``"pool_act"`` (the SNN tutorial's CNN) in that order."""

    channels: int
    kernel: int
    padding: int
    pool: str  # "avg" or "max"
    order: str = "act_pool"


@dataclass(frozen=True)
class ConvNet:
    """A CNN on 1 × 28 × 28 images: conv blocks, then dense hidden layers, then the classes."""

    label: str
    convs: tuple[ConvLayer, ...]
    dense: tuple[int, ...]

    def maps(self) -> list[tuple[int, int, int]]:
        """``(channels, side, side_after_pool)`` of each block, from the 28 × 28 input."""
        side, shapes = IMAGE_SIDE, []
        for conv in self.convs:
            side = side + 2 * conv.padding - conv.kernel + 1
            shapes.append((conv.channels, side, side // 2))
            side //= 2
        return shapes

    @property
    def flat_features(self) -> int:
        channels, _, pooled = self.maps()[-1]
        return channels * pooled * pooled


IMAGE_SIDE = 28
# The CNNs of the reproduced protocols (``architecture``; ``"mlp"`` is the MLP of ``hidden``).
CONV_NETS = {
    # d2l "Convolutional Neural Networks (LeNet)": conv 6@5x5 pad 2, sigmoid, avg-pool 2,
    # conv 16@5x5, sigmoid, avg-pool 2, dense 120, 84, 10.
    "lenet5": ConvNet(
        "LeNet-5 (d2l)",  # a name
        (ConvLayer(6, 5, 2, "avg"), ConvLayer(16, 5, 0, "avg")),
        (120, 84),
    ),
    # bioinf-jku/SNNs Pytorch/SelfNormalizingNetworks_CNN_MNIST.ipynb: conv 8@5x5, max-pool 2,
    # activation, conv 16@3x3, max-pool 2, activation, dense 512, activation, dropout, 10.
    "snn_cnn": ConvNet(
        N_("small CNN (SNN tutorial)"),
        (ConvLayer(8, 5, 0, "max", "pool_act"), ConvLayer(16, 3, 0, "max", "pool_act")),
        (512,),
    ),
}
ARCHITECTURES = ("mlp", *CONV_NETS)
ARCHITECTURE_LABELS = {"mlp": "MLP", **{k: v.label for k, v in CONV_NETS.items()}}


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
        elif gated.is_gated(self.name):  # a gated MLP block (actlab.training.gated)
            base = gated.display_name(self.name)
        else:  # in English whatever the page's language: the run's tables are keyed by it
            with i18n.using(i18n.SOURCE_LANGUAGE):  # (and a training thread has no language)
                base = activations.display_name(self.name)
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{base}({args})" if args else base

    def resolve(self) -> Callable[[Tensor], Tensor]:
        """The callable applied to a member's pre-activations (validates name and params)."""
        if self.function is not None:
            return self.function
        if self.name in OUTPUT_FUNCTIONS:
            if self.params:  # internal: only presets (code) write parameters
                raise ValueError(f"{self.name} takes no parameters, got {dict(self.params)}")
            return OUTPUT_FUNCTIONS[self.name]
        if gated.is_gated(self.name):  # its gate φ; models builds the gated block around it
            if self.params:  # internal: only presets (code) write parameters
                raise ValueError(f"{self.name} takes no parameters, got {dict(self.params)}")
            return activations.function(gated.get(self.name).gate)
        return activations.function(self.name, **dict(self.params))


def parse_activation(text: str) -> ActivationSpec:
    """``"relu"`` or ``"leaky_relu(negative_slope=0.1)"`` (a catalogue name with parameters, as
    a preset writes it and a form lists it) → ``ActivationSpec``; a typed formula's
    ``custom:…`` id is taken whole (its own brackets are the formula's)."""
    if activations.is_custom(text):
        return ActivationSpec(text)
    name, _, rest = text.partition("(")
    if not rest:
        return ActivationSpec(text)
    if not rest.endswith(")"):  # internal: the page lists only the texts presets write
        raise ValueError(f"an activation with parameters reads like 'elu(alpha=0.5)', got {text!r}")
    params = []
    for part in filter(None, (p.strip() for p in rest[:-1].split(","))):
        key, equals, value = part.partition("=")
        if not equals:  # internal: as above
            raise ValueError(f"parameter {part!r} of {text!r} has no value")
        try:
            number = float(value)
        except ValueError:  # internal: as above
            raise ValueError(f"parameter {key.strip()} of {text!r} must be a number") from None
        params.append((key.strip(), validate.number(key.strip(), number, -1e6, 1e6)))
    return ActivationSpec(name.strip(), tuple(params))


def activation_text(spec: ActivationSpec) -> str:
    """``parse_activation``'s inverse for catalogue members."""
    if not spec.params:
        return spec.name
    return f"{spec.name}({', '.join(f'{k}={v:g}' for k, v in spec.params)})"


def as_spec(value: ActivationSpec | str) -> ActivationSpec:
    if isinstance(value, ActivationSpec):
        return value
    if isinstance(value, str):
        return parse_activation(value)
    raise ValueError(  # internal: a caller's type error
        f"an activation must be a name or an ActivationSpec, got {value!r}"
    )


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
    architecture: str = "mlp"
    init: str = "default"
    dropout: float = 0.0
    dropout_kind: str = "standard"
    validation_share: int = 0  # hold out 1/N of the training images (0: no validation split)
    patience: int = 0  # epochs without a better validation accuracy before a member stops
    drop_last: bool = False  # skip each epoch's last, smaller batch (DataLoader's drop_last)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        datasets.dataset_info(self.dataset)
        if self.source != "auto":
            validate.choice("source", self.source, datasets.SOURCE_KINDS)
        specs = self.activations
        if isinstance(specs, str | ActivationSpec):
            specs = (specs,)
        specs = tuple(as_spec(s) for s in specs)
        if not specs:
            raise Refusal(N_("choose at least one activation"))
        for spec in specs:
            if spec.name in OUTPUT_FUNCTIONS and self.compare_at == "hidden":
                raise Refusal(
                    N_("{name} is an output function: use compare_at='output'"), name=spec.name
                )
            if gated.is_gated(spec.name) and self.compare_at == "output":
                raise Refusal(
                    N_("{name} is a gated hidden block: use compare_at='hidden'"), name=spec.title
                )
            spec.resolve()
        titles = [s.title for s in specs]
        duplicates = sorted({t for t in titles if titles.count(t) > 1})
        if duplicates:
            raise Refusal(N_("activation {name} is listed twice"), name=repr(duplicates[0]))
        set_(self, "activations", specs)
        validate.choice("architecture", self.architecture, ARCHITECTURES)
        if self.architecture != "mlp":  # a CNN's dense layers are part of its architecture
            set_(self, "hidden", CONV_NETS[self.architecture].dense)
        hidden = (self.hidden,) if isinstance(self.hidden, int) else tuple(self.hidden)
        hidden = tuple(validate.integer(N_("hidden layer width"), w, 1, 4096) for w in hidden)
        if len(hidden) > 4:
            raise Refusal(N_("at most 4 hidden layers, got {count}"), count=len(hidden))
        set_(self, "hidden", hidden)
        validate.choice("compare_at", self.compare_at, SITES)
        optimizers.check(self.optimizer)
        validate.choice("device", self.device, DEVICES)
        validate.choice("input_scaling", self.input_scaling, INPUT_SCALINGS)
        validate.choice("init", self.init, INITS)
        validate.choice("dropout_kind", self.dropout_kind, DROPOUT_KINDS)
        set_(self, "dropout", validate.number("dropout", self.dropout, 0.0, 0.9))
        set_(
            self,
            "validation_share",
            validate.integer("validation_share", self.validation_share, 0, 100),
        )
        if self.validation_share == 1:
            raise Refusal(N_("validation_share 1 would hold out every training image"))
        set_(self, "patience", validate.integer("patience", self.patience, 0, 100))
        if self.patience and not self.validation_share:
            raise Refusal(N_("early stopping (patience) needs a validation split"))
        set_(self, "drop_last", bool(self.drop_last))
        gated_titles = [spec.title for spec in specs if gated.is_gated(spec.name)]
        if gated_titles:  # checked here, so a form says it before a run is started
            unit = gated_titles[0]
            if self.architecture != "mlp":
                raise Refusal(
                    N_("{unit} is a gated MLP block: choose the MLP architecture for gated units"),
                    unit=unit,
                )
            if not hidden:
                raise Refusal(
                    N_("{unit} is a gated MLP block: it needs at least one hidden layer"), unit=unit
                )
            if self.init != "default":
                raise Refusal(
                    N_(
                        "{unit} is a gated MLP block, started from PyTorch's default init: set "
                        "init default"
                    ),
                    unit=unit,
                )
            if self.dropout:
                raise Refusal(
                    N_("{unit} is a gated MLP block, trained without dropout: set dropout to 0"),
                    unit=unit,
                )
        set_(self, "lr", validate.positive("lr", self.lr, 10.0))
        set_(self, "momentum", validate.number("momentum", self.momentum, 0.0, 0.999))
        set_(self, "batch_size", validate.integer("batch_size", self.batch_size, 1, 8192))
        set_(self, "epochs", validate.integer("epochs", self.epochs, 1, 100))
        set_(
            self,
            "evals_per_epoch",
            validate.integer("evals_per_epoch", self.evals_per_epoch, 1, 50),
        )
        seeds = (self.seeds,) if isinstance(self.seeds, int) else tuple(self.seeds)
        if not seeds or len(set(seeds)) != len(seeds):
            raise Refusal(
                N_("seeds must be distinct and at least one, got {seeds}"), seeds=repr(seeds)
            )
        seeds = tuple(validate.integer("seed", seed, 0, 2**31 - 1) for seed in seeds)
        if len(seeds) * len(specs) > 64:
            raise Refusal(
                N_("{activations} activations × {seeds} seeds is over 64 models"),
                activations=len(specs),
                seeds=len(seeds),
            )
        set_(self, "seeds", seeds)
        weights = self.weights
        if weights > MAX_PARAMETERS:
            raise Refusal(
                N_(
                    "{weights} weights in all models together is over the {limit} this server "
                    "allows: use fewer or narrower layers, activations or seeds"
                ),
                weights=f"{weights:,}",
                limit=f"{MAX_PARAMETERS:,}",
            )
        units = self.batch_size * self.widest_layer_units
        if units > MAX_STEP_UNITS:
            raise Refusal(
                N_(
                    "batch {batch} × {widest} units in the widest layer of all models is {units} "
                    "values per step, over the {limit} this server allows: use a smaller batch or "
                    "fewer/narrower layers, activations or seeds"
                ),
                batch=self.batch_size,
                widest=f"{self.widest_layer_units:,}",
                units=f"{units:,}",
                limit=f"{MAX_STEP_UNITS:,}",
            )
        if self.train_limit is not None:
            set_(self, "train_limit", validate.integer("train_limit", self.train_limit, 10))

    @property
    def titles(self) -> list[str]:
        return [spec.title for spec in self.activations]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Dense layer widths of one member, input to output: ``(784, *hidden, 10)`` for an MLP,
        ``(flattened conv maps, *dense, 10)`` for a CNN."""
        if self.architecture != "mlp":
            first = CONV_NETS[self.architecture].flat_features
            return (first, *self.hidden, datasets.NUM_CLASSES)
        return (INPUT_PIXELS, *self.hidden, datasets.NUM_CLASSES)

    @property
    def models(self) -> int:
        """Members trained side by side: activations × seeds."""
        return len(self.activations) * len(self.seeds)

    def _member_costs(self) -> tuple[int, int, int, int]:
        """One member's weights (biases included), multiply-adds per sample, and the outputs of
        its widest layer for one sample; then the multiply-adds of its convolutions alone."""
        weights = macs = 0
        widest = 0
        if self.architecture != "mlp":
            in_channels = 1
            for conv, (channels, side, _) in zip(
                CONV_NETS[self.architecture].convs,
                CONV_NETS[self.architecture].maps(),
                strict=True,
            ):
                kernel_weights = channels * in_channels * conv.kernel**2
                weights += kernel_weights + channels
                macs += (kernel_weights + channels) * side * side
                widest = max(widest, channels * side * side)
                in_channels = channels
        dense = sum(a * b + b for a, b in itertools.pairwise(self.sizes))
        widest = max(widest, *self.sizes[1:])
        return weights + dense, macs + dense, widest, macs

    @property
    def weights(self) -> int:
        """Weights and biases of all members together."""
        return self._member_costs()[0] * self.models

    @property
    def macs_per_sample(self) -> int:
        """Multiply-adds of one sample's forward pass, all members together (an MLP: its
        weights; a convolution: every weight once per output position)."""
        return self._member_costs()[1] * self.models

    @property
    def conv_macs_per_sample(self) -> int:
        """The convolutions' share of ``macs_per_sample`` (0 for an MLP)."""
        return self._member_costs()[3] * self.models

    @property
    def widest_layer_units(self) -> int:
        """Outputs of the widest layer for one sample, all members together."""
        return self._member_costs()[2] * self.models


# Ready-made experiments (``TrainingConfig`` keyword arguments); ``presets.PRESETS`` adds the
# published protocols.
BASIC_PRESETS: dict[str, dict[str, Any]] = {
    # Four common activations on the 5,000 bundled digits: a few seconds on 2 CPU cores.
    N_("quick comparison"): {
        "dataset": "mnist",
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
    N_("torch.nn tutorial experiment"): {
        "dataset": "mnist",
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


# --- the page's form --------------------------------------------------------------------------


def parse_hidden(text: str) -> tuple[int, ...]:
    """Hidden widths from text such as ``"256, 128"``; empty or ``none`` means no hidden layer."""
    cleaned = text.strip().lower()
    if cleaned in ("", "none", "-"):
        return ()
    widths = []
    for part in cleaned.replace(";", ",").replace("x", ",").split(","):
        part = part.strip()
        if not part.isdigit():
            raise Refusal(
                N_("hidden layer sizes must be whole numbers like '256, 128'; got {part}"),
                part=repr(part),
            )
        widths.append(int(part))
    return tuple(widths)


def format_hidden(hidden: tuple[int, ...]) -> str:
    """``parse_hidden``'s inverse: ``"256, 128"``, or ``"none"`` for no hidden layer."""
    return ", ".join(str(width) for width in hidden) or "none"


# The fields a form shows (the rest: where the data comes from, the device).
FORM_FIELDS = tuple(
    f.name for f in fields(TrainingConfig) if f.name not in ("source", "folder", "device")
)


def form_values(preset: dict[str, Any]) -> dict[str, Any]:
    """What a form shows for ``preset`` (``TrainingConfig`` keywords; unnamed fields take their
    defaults): activations as a list of texts (``activation_text``), hidden widths as text (a
    CNN's dense layers), seeds as a count, ``train_limit`` 0 for every image."""
    config = TrainingConfig(**preset)
    values = {name: getattr(config, name) for name in FORM_FIELDS}
    return values | {
        "activations": [activation_text(spec) for spec in config.activations],
        "hidden": format_hidden(config.hidden),
        "seeds": len(config.seeds),
        "train_limit": config.train_limit or 0,
    }


def config_from_form(
    *, hidden: str, seeds: int, train_limit: int, folder: str = "", **values: Any
) -> TrainingConfig:
    """``form_values``' inverse: the configuration a form shows (seeds ``0 … seeds - 1``)."""
    return TrainingConfig(
        hidden=parse_hidden(hidden),
        seeds=tuple(range(int(seeds))),
        train_limit=int(train_limit) or None,
        folder=folder.strip() or None,
        **values,
    )


def snippet_gaps(config: TrainingConfig) -> list[str]:
    """What ``config`` trains that the page's PyTorch snippet (``actlab.snippets.mnist_snippet``:
    an MLP, gated members included, PyTorch's default init, pixels ÷ 255 or standardised, every
    batch of a shuffled loader, the test accuracy after the last epoch) does not write; empty
    when the snippet reproduces it."""
    gaps = []  # in the current language (the page's)
    if config.architecture != "mlp":
        gaps.append(_(ARCHITECTURE_LABELS[config.architecture]))
    if config.input_scaling not in ("standardize", "divide_by_255"):
        gaps.append(_(INPUT_SCALING_LABELS[config.input_scaling]))
    if config.init != "default":
        gaps.append(_("init: {init}").format(init=_(INIT_LABELS[config.init])))
    if config.dropout:
        gaps.append(f"{_(DROPOUT_LABELS[config.dropout_kind])} {config.dropout:g}")
    if config.validation_share:
        gaps.append(_("a 1/{share} validation split").format(share=config.validation_share))
    if config.patience:
        gaps.append(_("early stopping (patience {epochs})").format(epochs=config.patience))
    if config.drop_last:
        gaps.append("drop_last")
    return gaps


# --- what a run costs -------------------------------------------------------------------------


class Schedule(NamedTuple):
    """Steps of a run and the steps after which it evaluates (always the last one)."""

    steps_per_epoch: int
    total_steps: int
    eval_steps: frozenset[int]


def schedule(n_train: int, config: TrainingConfig) -> Schedule:
    """The steps of training ``n_train`` images (after ``train_limit``) as ``config`` says."""
    if config.drop_last and n_train >= config.batch_size:
        steps_per_epoch = n_train // config.batch_size
    else:
        steps_per_epoch = -(-n_train // config.batch_size)
    total = steps_per_epoch * config.epochs
    evals = {
        round(steps_per_epoch * (e + k / config.evals_per_epoch))
        for e in range(config.epochs)
        for k in range(1, config.evals_per_epoch + 1)
    }
    return Schedule(steps_per_epoch, total, frozenset(evals | {total}))


def validation_samples(config: TrainingConfig, n_train: int) -> int:
    """Training images held out for validation: ``n_train // validation_share`` (0 without)."""
    return n_train // config.validation_share if config.validation_share else 0


def training_samples(config: TrainingConfig, n_train: int) -> int:
    """Training images a run fits: those not held out, at most ``train_limit``."""
    remaining = n_train - validation_samples(config, n_train)
    return remaining if config.train_limit is None else min(config.train_limit, remaining)


def training_flops(config: TrainingConfig, n_train: int, n_test: int) -> int:
    """Estimated floating-point operations of a whole run: its training steps and evaluations.

    Each multiply-add (``macs_per_sample``: for an MLP one per weight, bias included; for a
    convolution one per weight and output position) costs 2 FLOPs per sample forward and 4
    backward (the gradients of its input and of its weight): ``6 × macs × samples`` per epoch,
    where ``samples`` is ``training_samples`` and ``macs`` counts every member. Each evaluation
    runs the test images and the validation images forward once: ``2 × macs × images``.
    Activations, the loss, the optimizer step and per-step overheads are left out: they add
    a few percent for a wide model and dominate only small batches and models (which
    ``training_steps`` and its cap account for).
    """
    return _flops(config, n_train, n_test, config.macs_per_sample)


def _flops(config: TrainingConfig, n_train: int, n_test: int, macs: int) -> int:
    samples = training_samples(config, n_train)
    evaluations = len(schedule(samples, config).eval_steps)
    evaluated = n_test + validation_samples(config, n_train)
    return 6 * macs * samples * config.epochs + 2 * macs * evaluated * evaluations


def training_cost(config: TrainingConfig, n_train: int, n_test: int) -> int:
    """What the compute cap counts: ``training_flops`` with every convolution multiply-add
    counted ``CONV_COST_FACTOR`` times (equal to ``training_flops`` for an MLP)."""
    extra = (CONV_COST_FACTOR - 1) * config.conv_macs_per_sample
    return _flops(config, n_train, n_test, config.macs_per_sample + extra)


def cost_text(config: TrainingConfig, n_train: int, n_test: int) -> Said:
    """``an estimated 13.3 TFLOP``; for a CNN also what the cap counts it as."""
    return Said(
        N_("an estimated {flops}{counted}"),
        flops=flop_text(training_flops(config, n_train, n_test)),
        counted=_counted(config, n_train, n_test),
    )


def _counted(config: TrainingConfig, n_train: int, n_test: int) -> Message | str:
    if not config.conv_macs_per_sample:
        return ""
    return Message(
        N_(
            ", counted as {cost} (convolutions run about {factor}× slower per FLOP than dense "
            "layers on a CPU and count {factor}×)"
        ),
        {"cost": flop_text(training_cost(config, n_train, n_test)), "factor": CONV_COST_FACTOR},
    )


def training_steps(config: TrainingConfig, n_train: int) -> int:
    """Optimizer steps of a whole run: ``ceil(samples / batch) × epochs``."""
    return schedule(training_samples(config, n_train), config).total_steps


def estimated_flops(config: TrainingConfig) -> int:
    """``training_flops`` for the data ``config`` would load (sizes from the file headers)."""
    source = datasets.resolve_source(config.dataset, config.source, config.folder)
    return training_flops(config, source.n_train, source.n_test)


def flop_text(flops: float) -> str:
    """``76.0 TFLOP`` (10^12 floating-point operations) or ``2.6 GFLOP`` (10^9)."""
    return f"{flops / 1e12:,.1f} TFLOP" if flops >= 1e11 else f"{flops / 1e9:,.1f} GFLOP"


def budget_problem(
    config: TrainingConfig,
    n_train: int,
    n_test: int,
    max_flops: float,
    max_steps: float | None = None,
) -> str | None:
    """``None`` if the run fits both caps (``training_cost`` ≤ ``max_flops`` and
    ``training_steps`` ≤ ``max_steps``); else a message with the run's figure, the cap and
    what to reduce (how many epochs would fit, when some would)."""

    def fits(epochs: int) -> bool:
        shorter = replace(config, epochs=epochs)
        return training_cost(shorter, n_train, n_test) <= max_flops and (
            max_steps is None or training_steps(shorter, n_train) <= max_steps
        )

    if fits(config.epochs):
        return None
    fitting = next((e for e in range(config.epochs - 1, 0, -1) if fits(e)), None)
    if fitting is not None and fitting > 1:
        reduce = Message(N_("With these settings at most {epochs} epochs fit; or use"))
        reduce = Message(reduce.template, {"epochs": fitting})
    elif fitting is not None:
        reduce = Message(N_("With these settings at most 1 epoch fits; or use"))
    else:
        reduce = Message(N_("Even one epoch is over it: use"))
    if training_cost(config, n_train, n_test) > max_flops:
        flops = training_flops(config, n_train, n_test)
        return Said(
            N_(
                "This training needs an estimated {flops} of computation (6 × {macs} "
                "multiply-adds per image × training images × epochs, plus the test evaluations; "
                "a TFLOP is a trillion floating-point operations){counted}, over this server's "
                "limit of {limit} per run. {reduce} fewer training images, fewer or narrower "
                "hidden layers, or fewer activations or seeds."
            ),
            flops=flop_text(flops),
            macs=f"{config.macs_per_sample:,}",
            counted=_counted(config, n_train, n_test),
            limit=flop_text(max_flops),
            reduce=reduce,
        )
    return Said(
        N_(
            "This training takes {steps} optimizer steps ({images} training images ÷ batch "
            "{batch} × {epochs} epochs), over this server's limit of {limit} per run: every "
            "step has a fixed cost, however small the batch. {reduce} a larger batch or fewer "
            "training images."
        ),
        steps=f"{training_steps(config, n_train):,}",
        images=f"{training_samples(config, n_train):,}",
        batch=config.batch_size,
        epochs=config.epochs,
        limit=f"{max_steps:,.0f}",
        reduce=reduce,
    )
