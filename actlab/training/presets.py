"""Published activation comparisons as presets: each protocol, its source, its published figures.

Every number below was read from its source (the file and commit named beside it) before it was
written here; a figure a source does not print is ``None`` and the view says "not published".
``server_config`` turns a protocol that is over a server's caps into a labelled quick mode
(fewer seeds, then fewer epochs, then fewer training images), and ``deviations`` says, in words,
how a run differs from its protocol: the results view prints that above the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from actlab import datasets, optimizers
from actlab.i18n import N_, _, ngettext
from actlab.said import localized
from actlab.training.config import (
    ARCHITECTURE_LABELS,
    BASIC_PRESETS,
    CONV_NETS,
    DROPOUT_LABELS,
    INIT_LABELS,
    INPUT_SCALING_LABELS,
    TRAIN_LIMITS,
    TrainingConfig,
    budget_problem,
    cost_text,
    flop_text,
    training_samples,
    training_steps,
)
from actlab.training.results import TrainingResult, selected_rows


@dataclass(frozen=True)
class Published:
    """One source's figures: ``accuracy[i]`` is the test accuracy in percent of the protocol's
    ``i``-th activation (``None``: the source prints none for it)."""

    label: str
    accuracy: tuple[float | None, ...]


@dataclass(frozen=True)
class Reproduction:
    """A published comparison: the protocol as ``TrainingConfig`` keywords, where it comes from,
    what it printed, and what the protocol's own size is (``full_train``: training images
    before the validation split)."""

    name: str
    source: str  # one line: who, what, where (file and commit)
    url: str
    protocol: dict[str, Any]
    published: tuple[Published, ...]
    full_train: int = 60_000
    notes: str = ""  # what the protocol does that the reproduction cannot do exactly

    def config(self, **changes: Any) -> TrainingConfig:
        """The protocol as a ``TrainingConfig`` (three seeds: the published runs are one each;
        the seeds give the min–max beside them)."""
        return TrainingConfig(**(self.protocol | changes))

    def reference(self) -> TrainingConfig:
        """The protocol with its first seed only: what runs are compared with field by field
        (three seeds of a wide protocol are over a server's memory caps; seeds are compared
        with ``protocol["seeds"]`` on their own)."""
        return self.config(seeds=self.protocol["seeds"][:1])


UVA = Reproduction(
    name="UvA DL tutorial 3: six activations, Fashion-MNIST MLP",
    source=(
        "Phillip Lippe, UvA Deep Learning course, tutorial 3 'Activation functions' "
        "(phlippe/uvadlc_notebooks, docs/tutorial_notebooks/tutorial3/Activation_Functions.ipynb "
        "and JAX/tutorial3/Activation_Functions.ipynb, commit 0da8037), printed outputs"
    ),
    url="https://uvadlc-notebooks.readthedocs.io/en/latest/tutorial_notebooks/tutorial3/Activation_Functions.html",
    protocol={
        "dataset": "fashion-mnist",
        "activations": (
            "sigmoid",
            "tanh",
            "relu",
            "leaky_relu(negative_slope=0.1)",
            "elu",
            "silu",
        ),
        "hidden": (512, 256, 256, 128),
        "architecture": "mlp",
        "compare_at": "hidden",
        "optimizer": "sgd",
        "lr": 0.01,
        "momentum": 0.9,
        "batch_size": 256,
        "epochs": 50,
        "patience": 7,
        "validation_share": 6,  # random_split(train, [50000, 10000])
        "drop_last": True,
        "input_scaling": "normalize_half",
        "init": "default",
        "dropout": 0.0,
        "seeds": (0, 1, 2),
        "train_limit": None,
        "evals_per_epoch": 1,
    },
    published=(
        Published(N_("published (PyTorch)"), (10.00, 87.59, 88.62, 88.92, 87.27, 88.73)),
        Published(N_("published (JAX)"), (78.46, 88.57, 88.65, 88.33, 88.32, 88.33)),
    ),
    notes=N_(
        "One run each, seed 42. The PyTorch and JAX notebooks run the same protocol (the JAX one "
        "draws weights and biases from U(±1/√fan_in), close to PyTorch's default); sigmoid "
        "ends at 10 % in one and 78 % in the other: a knife-edge run, where a seed decides. "
        "The validation split here is the seed-42 rule of actlab (not the notebook's "
        "random_split after set_seed(42)); LeakyReLU's slope is 0.1 and Swish is x·σ(x)."
    ),
)

SNN_MLP = Reproduction(
    name="Self-normalizing networks: ReLU vs SELU, MNIST MLP",
    source=(
        "Klambauer et al. 2017, the authors' PyTorch tutorial "
        "(bioinf-jku/SNNs, Pytorch/SelfNormalizingNetworks_MLP_MNIST.ipynb), printed outputs"
    ),
    url="https://github.com/bioinf-jku/SNNs/blob/master/Pytorch/SelfNormalizingNetworks_MLP_MNIST.ipynb",
    protocol={
        "dataset": "mnist",
        "activations": ("relu", "selu"),
        "hidden": (512, 256),
        "architecture": "mlp",
        "compare_at": "hidden",
        "optimizer": "sgd",
        "lr": 1e-3,
        "momentum": 0.0,
        "batch_size": 128,
        "epochs": 20,
        "patience": 0,  # no early stopping: the best validation epoch's model is tested
        "validation_share": 6,
        "drop_last": True,
        "input_scaling": "normalize_mnist",
        "init": "lecun_for_selu",
        "dropout": 0.05,
        "dropout_kind": "alpha_for_selu",
        "seeds": (0, 1, 2),
        "train_limit": None,
        "evals_per_epoch": 1,
    },
    published=(Published(N_("published"), (90.76, 92.04)),),
    notes=N_(
        "One unseeded run each. Validation accuracy after epoch 1: ReLU 54.21 %, SELU 80.90 % "
        "(SELU's faster start). The tutorial's validation accuracy is the mean over batches of "
        "128 with the last partial batch dropped; here it is over all held-out images."
    ),
)

SNN_CNN = Reproduction(
    name="Self-normalizing networks: ReLU vs SELU, MNIST small CNN",
    source=(
        "Klambauer et al. 2017, the authors' PyTorch tutorial "
        "(bioinf-jku/SNNs, Pytorch/SelfNormalizingNetworks_CNN_MNIST.ipynb), printed outputs"
    ),
    url="https://github.com/bioinf-jku/SNNs/blob/master/Pytorch/SelfNormalizingNetworks_CNN_MNIST.ipynb",
    protocol=SNN_MLP.protocol | {"architecture": "snn_cnn", "hidden": (512,)},
    published=(Published("published", (94.58, 95.91)),),
    notes=N_(
        "One unseeded run each. Validation accuracy after epoch 1: ReLU 36.78 %, SELU 81.49 %. "
        "SELU's convolutions get LeCun-normal weights too; dropout only after the dense layer."
    ),
)

D2L_LENET = Reproduction(
    name="d2l LeNet-5: sigmoid (as in the book) vs ReLU, Fashion-MNIST",
    source=(
        "Zhang, Lipton, Li, Smola, Dive into Deep Learning, 'Convolutional Neural Networks "
        "(LeNet)' (d2l-ai/d2l-en v0.17.6 chapter_convolutional-neural-networks/lenet.md: lr 0.9, "
        "10 epochs, batch 256, Xavier init; printed output in d2l-ai/d2l-pytorch-colab, "
        "lenet.ipynb: 'loss 0.462, train acc 0.826, test acc 0.806')"
    ),
    url="https://d2l.ai/chapter_convolutional-neural-networks/lenet.html",
    protocol={
        "dataset": "fashion-mnist",
        "activations": ("sigmoid", "relu"),
        "architecture": "lenet5",
        "compare_at": "hidden",
        "optimizer": "sgd",
        "lr": 0.9,
        "momentum": 0.0,
        "batch_size": 256,
        "epochs": 10,
        "patience": 0,
        "validation_share": 0,  # no validation: the test accuracy after the last epoch
        "drop_last": False,
        "input_scaling": "divide_by_255",
        "init": "xavier",
        "dropout": 0.0,
        "seeds": (0, 1, 2),
        "train_limit": None,
        "evals_per_epoch": 1,
    },
    published=(Published(N_("published (book)"), (80.6, None)),),
    notes=N_(
        "One unseeded run, sigmoid only: ReLU (with max-pooling) is the chapter's exercise, with "
        "no printed figure. The current d2l edition trains with lr 0.1 and batch 128 and only "
        "plots its curves; the figure above is the 0.17 edition's printed run."
    ),
)

REPRODUCTIONS: dict[str, Reproduction] = {  # names marked: the page's preset box shows them
    N_("UvA tutorial 3 (Fashion-MNIST MLP)"): UVA,
    N_("SNN tutorial MLP (MNIST)"): SNN_MLP,
    N_("SNN tutorial CNN (MNIST)"): SNN_CNN,
    N_("d2l LeNet-5 (Fashion-MNIST)"): D2L_LENET,
}


def page_preset(reproduction: Reproduction) -> dict[str, Any]:
    """The protocol as the page's preset: three seeds where this server's memory caps allow
    them (``MAX_PARAMETERS``, ``MAX_STEP_UNITS``), else one (the published runs are one each)."""
    try:
        reproduction.config()
        return dict(reproduction.protocol)
    except ValueError:
        return reproduction.protocol | {"seeds": (0,)}


# Every preset the MNIST page offers: the basic experiments, then the published protocols.
PRESETS: dict[str, dict[str, Any]] = BASIC_PRESETS | {
    name: page_preset(r) for name, r in REPRODUCTIONS.items()
}


_UNCOMPARED = ("source", "folder", "device")  # where the data comes from, what computes


def preset_name(config: TrainingConfig | None) -> str | None:
    """The ``PRESETS`` entry whose configuration ``config`` is (data source and device aside),
    or ``None``: what the page's preset box shows for the values on screen."""
    if config is None:
        return None
    for name, preset in PRESETS.items():
        candidate = TrainingConfig(**preset)
        if all(
            getattr(config, f.name) == getattr(candidate, f.name)
            for f in fields(TrainingConfig)
            if f.name not in _UNCOMPARED
        ):
            return name
    return None


# --- a protocol on a server -------------------------------------------------------------------


def server_config(
    config: TrainingConfig,
    n_train: int,
    n_test: int,
    max_flops: float,
    max_steps: float | None,
) -> TrainingConfig | None:
    """``config`` if it fits the caps; else its quick mode: one seed, then the most epochs that
    fit, then the most training images (``TRAIN_LIMITS``) with one epoch. ``None`` if even the
    smallest does not fit."""

    def fits(candidate: TrainingConfig) -> bool:
        return budget_problem(candidate, n_train, n_test, max_flops, max_steps) is None

    if fits(config):
        return config
    quick = replace(config, seeds=config.seeds[:1])
    if fits(quick):
        return quick
    for epochs in range(config.epochs - 1, 0, -1):
        if fits(replace(quick, epochs=epochs)):
            return replace(quick, epochs=epochs)
    quick = replace(quick, epochs=1)
    for limit in sorted((n for n in TRAIN_LIMITS if n), reverse=True):
        if limit < training_samples(quick, n_train) and fits(replace(quick, train_limit=limit)):
            return replace(quick, train_limit=limit)
    return None


def _seeds(n: int) -> str:
    return ngettext("{count} seed", "{count} seeds", n).format(count=n)


def _epochs(n: int) -> str:
    return ngettext("{count} epoch", "{count} epochs", n).format(count=n)


# The words below are in the page's language: deviations, plans and rows are made per page run.
_FIELD_WORDS = {
    "lr": N_("learning rate"),
    "momentum": N_("momentum"),
    "batch_size": N_("batch size"),
    "optimizer": N_("optimizer"),
    "hidden": N_("hidden layers"),
    "compare_at": N_("comparison site"),
    "validation_share": N_("validation share (1/N)"),
    "patience": N_("patience"),
    "drop_last": "drop_last",
    "dropout": N_("dropout"),
    "evals_per_epoch": N_("evaluations per epoch"),
    "input_scaling": N_("input scaling"),
    "init": N_("init"),
    "architecture": N_("architecture"),
    "dropout_kind": N_("dropout kind"),
}


def deviations(
    config: TrainingConfig, reproduction: Reproduction, n_train: int | None = None
) -> list[str]:
    """How a run of ``config`` on ``n_train`` training images (before the split) differs from
    the protocol, one sentence each; empty when it is the protocol."""
    protocol = reproduction.reference()
    out = []
    if n_train is not None and n_train < reproduction.full_train:
        out.append(
            _(
                "data: {images} training images instead of the protocol's {full} (the data "
                "source in use holds no more)"
            ).format(images=f"{n_train:,}", full=f"{reproduction.full_train:,}")
        )
    seeds = len(reproduction.protocol["seeds"])
    if len(config.seeds) < seeds:
        out.append(
            _(
                "{seeds} instead of actlab's {protocol} (the published runs are one each; the "
                "seeds give the min–max band)"
            ).format(seeds=_seeds(len(config.seeds)), protocol=seeds)
        )
    if config.epochs != protocol.epochs:
        out.append(
            _("{epochs} instead of {protocol}").format(
                epochs=_epochs(config.epochs), protocol=protocol.epochs
            )
        )
    if config.train_limit != protocol.train_limit:
        out.append(
            _("a subset of {images} training images").format(images=f"{config.train_limit:,}")
        )
    if config.titles != protocol.titles:
        out.append(_("activations {names}").format(names=", ".join(config.titles)))
    labels = {
        "input_scaling": INPUT_SCALING_LABELS,
        "init": INIT_LABELS,
        "architecture": ARCHITECTURE_LABELS,
        "dropout_kind": DROPOUT_LABELS,
    }
    for f in fields(TrainingConfig):
        name = f.name
        if name in ("seeds", "epochs", "train_limit", "activations", "source", "folder", "device"):
            continue
        mine, theirs = getattr(config, name), getattr(protocol, name)
        if mine == theirs or (name == "dropout_kind" and not config.dropout):
            continue
        if name in labels:
            out.append(
                _("{field}: {mine} (protocol: {theirs})").format(
                    field=_(_FIELD_WORDS[name]),
                    mine=_(labels[name][mine]),
                    theirs=_(labels[name][theirs]),
                )
            )
        elif name == "dataset":
            out.append(_("dataset {mine} (protocol: {theirs})").format(mine=mine, theirs=theirs))
        else:
            word = _(_FIELD_WORDS.get(name, name))
            out.append(
                _("{field} {mine} (protocol: {theirs})").format(
                    field=word, mine=mine, theirs=theirs
                )
            )
    return out


def matching(config: TrainingConfig) -> tuple[str, Reproduction] | None:
    """The reproduction whose protocol ``config`` follows, allowing the quick mode's changes
    (fewer seeds or epochs, a training subset) and nothing else."""
    free = ("source", "folder", "device", "seeds", "epochs", "train_limit")
    for name, reproduction in REPRODUCTIONS.items():
        protocol = reproduction.reference()
        same = all(
            getattr(config, f.name) == getattr(protocol, f.name)
            for f in fields(TrainingConfig)
            if f.name not in free
        )
        seeds = set(config.seeds) <= set(reproduction.protocol["seeds"])
        if same and seeds and config.epochs <= protocol.epochs:
            return name, reproduction
    return None


@dataclass(frozen=True)
class ProtocolPlan:
    """What the MNIST page runs for the configuration its form shows, on this server's data and
    caps: the form's own configuration, or (for a published protocol over the caps) its quick
    mode, with the words the page prints about it."""

    form: TrainingConfig  # what the controls show
    config: TrainingConfig  # what runs
    name: str | None  # the reproduction the form follows (``matching``), if any
    reproduction: Reproduction | None
    quick: bool  # ``config`` is ``server_config``'s quick mode of ``form``
    problem: str | None  # why ``config`` cannot run here (``budget_problem``), else None
    deviations: tuple[str, ...]  # of ``config`` from the protocol, on this data
    n_train: int  # training images of the data in use, before any split
    quick_text: str = ""  # the quick mode, in words (empty unless ``quick``)

    @property
    def subset(self) -> bool:
        """The data holds fewer training images than the protocol trains on."""
        return self.reproduction is not None and self.n_train < self.reproduction.full_train


def plan(
    config: TrainingConfig,
    n_train: int,
    n_test: int,
    max_flops: float,
    max_steps: float | None,
) -> ProtocolPlan:
    """The run a form's ``config`` becomes: over the caps, a published protocol runs as its
    labelled quick mode (``server_config``); any other configuration keeps its
    ``budget_problem``."""
    problem = budget_problem(config, n_train, n_test, max_flops, max_steps)
    found = matching(config)
    if found is None:
        return ProtocolPlan(config, config, None, None, False, problem, (), n_train)
    name, reproduction = found
    run, quick_text = config, ""
    fitted = server_config(config, n_train, n_test, max_flops, max_steps) if problem else None
    if fitted is not None:
        changes = []
        if fitted.seeds != config.seeds:
            changes.append(
                _("{seeds} instead of {protocol}").format(
                    seeds=_seeds(len(fitted.seeds)), protocol=len(config.seeds)
                )
            )
        if fitted.epochs != config.epochs:
            changes.append(
                _("{epochs} instead of {protocol}").format(
                    epochs=_epochs(fitted.epochs), protocol=config.epochs
                )
            )
        if fitted.train_limit != config.train_limit:
            changes.append(_("{images} training images").format(images=f"{fitted.train_limit:,}"))
        caps = (
            _("{flops} and {steps} steps").format(
                flops=flop_text(max_flops), steps=f"{max_steps:,.0f}"
            )
            if max_steps is not None
            else flop_text(max_flops)
        )
        quick_text = _(
            "As set, this protocol needs {cost} and {steps} steps, over this server's caps of "
            "{caps} per run. actlab runs its quick mode instead: {changes}. The full protocol "
            "runs offline with bench/reproduce_presets.py."
        ).format(
            cost=localized(cost_text(config, n_train, n_test)),
            steps=f"{training_steps(config, n_train):,}",
            caps=caps,
            changes=", ".join(changes),
        )
        run, problem = fitted, None
    return ProtocolPlan(
        form=config,
        config=run,
        name=name,
        reproduction=reproduction,
        quick=fitted is not None,
        problem=problem,
        deviations=tuple(deviations(run, reproduction, n_train)),
        n_train=n_train,
        quick_text=quick_text,
    )


def architecture_text(config: TrainingConfig) -> str:
    """The network in one line: ``784 → 512 → 256 → 10`` or the CNN's blocks and dense layers."""
    if config.architecture == "mlp":
        return " → ".join(str(width) for width in config.sizes)
    net = CONV_NETS[config.architecture]
    parts = []
    for conv in net.convs:
        pad = f" pad {conv.padding}" if conv.padding else ""
        layer = f"conv {conv.channels}@{conv.kernel}×{conv.kernel}{pad}"
        pool = f"{conv.pool}-pool 2"
        steps = ("activation", pool) if conv.order == "act_pool" else (pool, "activation")
        parts.append(", ".join((layer, *steps)))
    dense = ", ".join(str(width) for width in (*config.hidden, config.sizes[-1]))
    return f"{net.label}: {'; '.join(parts)}; dense {dense}"


def protocol_rows(reproduction: Reproduction) -> list[tuple[str, str]]:
    """Every field of the protocol as ``(what, value)`` in words (the page's language), for the
    page to state."""
    c = reproduction.reference()
    seeds = reproduction.protocol["seeds"]
    split = (
        _(
            "1/{share} of the training images held out for validation (seed 42): {kept} / {held}"
        ).format(
            share=c.validation_share,
            kept=f"{reproduction.full_train - reproduction.full_train // c.validation_share:,}",
            held=f"{reproduction.full_train // c.validation_share:,}",
        )
        if c.validation_share
        else _("none (no validation set)")
    )
    dropout = f"{c.dropout:g}, {_(DROPOUT_LABELS[c.dropout_kind])}" if c.dropout else _("none")
    optimizer = _("{optimizer}, learning rate {lr}, momentum {momentum}").format(
        optimizer=optimizers.label(c.optimizer), lr=f"{c.lr:g}", momentum=f"{c.momentum:g}"
    )
    epochs = f"{c.epochs}"
    if c.patience:
        epochs = _(
            "up to {epochs}, early stopping after {patience} epochs without a better validation "
            "accuracy"
        ).format(epochs=c.epochs, patience=c.patience)
    reported = (
        _("test accuracy of the best-validation checkpoint")
        if c.validation_share
        else _("test accuracy after the last epoch")
    )
    return [
        (
            _("dataset"),
            _("{dataset}, {images} training + 10,000 test images").format(
                dataset=datasets.DATASETS[c.dataset].display_name,
                images=f"{reproduction.full_train:,}",
            ),
        ),
        (_("validation"), split),
        (_("network"), architecture_text(c)),
        (_("activations"), ", ".join(c.titles)),
        (_("input pixels"), _(INPUT_SCALING_LABELS[c.input_scaling])),
        (_("initialisation"), _(INIT_LABELS[c.init])),
        (_("dropout"), dropout),
        (_("optimizer"), optimizer),
        (
            _("batch"),
            f"{c.batch_size}" + (_(", last partial batch dropped") if c.drop_last else ""),
        ),
        (_("epochs"), epochs),
        (_("evaluations per epoch"), f"{c.evals_per_epoch}"),
        (_("reported"), reported),
        (
            _("seeds"),
            _(
                "{count} here ({seeds}), for a min–max band; the published figures are one run each"
            ).format(count=len(seeds), seeds=", ".join(map(str, seeds))),
        ),
    ]


# --- published versus measured ----------------------------------------------------------------


def comparison_table(result: TrainingResult, reproduction: Reproduction) -> pd.DataFrame:
    """One row per activation: each source's published test accuracy, the measured mean with
    min and max over seeds (each seed's test accuracy at its selected checkpoint), and the
    measured mean minus each published figure, all in percent (NaN: not published)."""
    chosen = selected_rows(result.history)
    rows = []
    for index, title in enumerate(result.config.titles):
        picked = chosen[chosen["activation"] == title]["test_accuracy"] * 100 if len(chosen) else []
        measured = picked if len(picked) else pd.Series([math.nan])
        row: dict[str, Any] = {"activation": title}
        for published in reproduction.published:
            value = published.accuracy[index] if index < len(published.accuracy) else None
            row[published.label] = math.nan if value is None else value
        row |= {
            "measured mean": float(measured.mean()),
            "min": float(measured.min()),
            "max": float(measured.max()),
            "seeds": len(picked),
        }
        for published in reproduction.published:
            row[f"difference vs {_published_suffix(published)}"] = (
                row["measured mean"] - row[published.label]
            )
        rows.append(row)
    return pd.DataFrame(rows)


def outside_spread(table: pd.DataFrame, reproduction: Reproduction) -> list[str]:
    """Activations whose published figure lies outside the measured min–max band."""
    out = []
    for published in reproduction.published:
        for _index, row in table.iterrows():
            value = row[published.label]
            if np.isfinite(value) and not row["min"] <= value <= row["max"]:
                out.append(f"{row['activation']} ({_(published.label)})")
    return out


_SOURCE_WORDS = (N_("book"),)  # a published label's source in words (PyTorch, JAX: names)


def _published_suffix(published: Published) -> str:
    return published.label.removeprefix("published").strip(" ()") or "published"


def comparison_display(table: pd.DataFrame, reproduction: Reproduction) -> pd.DataFrame:
    """``comparison_table`` as the page prints it: percentages with two decimals, differences
    signed, "not published" where a source prints no figure."""

    def number(value: float, missing: str, signed: bool = False) -> str:
        if not np.isfinite(value):
            return missing
        return f"{value:+.2f}".replace("-", "−") if signed else f"{value:.2f}"

    out = pd.DataFrame({_("activation"): table["activation"]})  # in the page's language
    for published in reproduction.published:
        out[_(published.label)] = [number(v, _("not published")) for v in table[published.label]]
    for column in (N_("measured mean"), N_("min"), N_("max")):
        out[_(column)] = [number(v, _("not measured")) for v in table[column]]
    out[_("seeds")] = table["seeds"].astype(int)
    for published in reproduction.published:
        column = f"difference vs {_published_suffix(published)}"
        shown = _("difference vs {source}").format(source=_(_published_suffix(published)))
        out[shown] = [number(v, "—", signed=True) for v in table[column]]
    return out


def spread_notice(
    table: pd.DataFrame, reproduction: Reproduction, deviations: Sequence[str] = ()
) -> str | None:
    """The activations whose published figure lies outside the measured band, with the likely
    reasons: the run's ``deviations`` from the protocol first (a quick mode's single epoch
    explains more than anything else), then the protocol's notes; ``None`` when every figure
    lies inside."""
    outside = outside_spread(table, reproduction)
    if not outside:
        return None
    text = _("Published figure outside the measured min–max band: {outside}. ").format(
        outside=", ".join(outside)
    )
    if deviations:
        text += _(
            "First suspect: this run's {count} deviation(s) from the protocol, listed above. "
            "Besides, what is known about the published runs: "
        ).format(count=len(deviations))
    else:
        text += _("Likely reasons, from what is known about the published runs: ")
    return text + _(reproduction.notes)
