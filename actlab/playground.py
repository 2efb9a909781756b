"""A TensorFlow-Playground trainer in torch: a small MLP on a toy dataset, one epoch at a time.

What TF Playground (github.com/tensorflow/playground, ``src/nn.ts``, ``playground.ts``,
``state.ts``) computes, with torch as the engine: input features of (x1, x2), hidden layers of
up to 16 neurons (here each layer may have its own activation, any catalogue entry or a typed
formula), a tanh output against targets ±1 with squared loss as TF, or a sigmoid/softmax output
with cross-entropy, L1/L2 regularisation applied after each update as ``nn.ts updateWeights``
does, and TF's initial weights U(−0.5, 0.5) with biases 0.1 when ``init="playground"``.
``tensorflow_defaults()`` gives TF's starting configuration.

``PlaygroundTrainer`` holds everything a live page needs between reruns (data, model,
optimizer, history) and advances by whole epochs of mini-batch steps. A run that diverges
(non-finite loss, or the loss grows far beyond where it started) stops itself and says why in
``diverged``, so a page can show a message instead of a traceback. Runs are pure functions of
the configuration: ``rewound`` and ``replay`` start again from the identical initial weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import activations, optimizers, toydata, validate
from actlab import playground_features as features_
from actlab.i18n import N_, Message, Refusal, _
from actlab.said import Said

# The playground's own "no activation": identity between the linear layers, so the network is
# one affine map in disguise. "linear" is the value the page's activation selector (and every
# shared link, key ``pg_act``) uses for it; it is not a catalogue id.
NO_ACTIVATION = "linear"
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 16
MAX_BATCH = 4096
LOSSES = ("cross_entropy", "squared")
INITS = ("pytorch", "playground")
CUSTOM = "custom"  # dataset id of uploaded or drawn points (the trainer is given the data)
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
LIVE_FIELDS = ("lr", "l1", "l2", "batch_size")
DATA_FIELDS = ("dataset", "noise", "train_fraction", "n_points", "data_seed", "custom_classes")


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything that defines a playground run; validated on creation (``ValueError``)."""

    dataset: str = "circle"
    noise: float = 0.0
    train_fraction: float = 0.5
    n_points: int = 400
    data_seed: int = 0
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"  # every hidden layer's, unless ``activations`` names each
    lr: float = 0.03
    batch_size: int = 32  # 0: full batch
    optimizer: str = "adam"
    l2: float = 0.0  # TF's L2 rate: w ← w − lr·l2·w after each update (weights only)
    seed: int = 0
    features: tuple[str, ...] = ()  # empty: x1, x2
    activations: tuple[str, ...] = ()  # one per hidden layer; empty: ``activation`` for all
    loss: str = "cross_entropy"  # or "squared"; regression is always squared
    l1: float = 0.0  # TF's L1 rate: w ← w − lr·l1·sign(w), a weight crossing 0 dies at 0
    init: str = "pytorch"  # or "playground": TF's U(−0.5, 0.5) weights, biases 0.1
    custom_classes: int = 2  # dataset "custom" only: 2 or 3 classes, 0 for regression

    def __post_init__(self) -> None:
        if self.dataset != CUSTOM:
            toydata.task_of(self.dataset)
        else:
            validate.choice(N_("classes of your data"), self.custom_classes, (0, 2, 3))
        toydata.check_arguments(self.n_points, self.noise, self.train_fraction)
        # The two shape checks keep their own wording ("at most 6 hidden layers", "1 to 16
        # units"): they describe the network, not one number.
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise Refusal(
                N_("at most {layers} hidden layers, got {count}"),
                layers=MAX_HIDDEN_LAYERS,
                count=len(self.hidden),
            )
        for units in self.hidden:
            if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
                raise Refusal(
                    N_("a hidden layer has 1 to {units} units, got {value}"),
                    units=MAX_UNITS,
                    value=repr(units),
                )
        check_activation(self.activation)
        if self.activations:
            if len(self.activations) != len(self.hidden):
                raise Refusal(
                    N_("one activation per hidden layer: {layers} layers, {count} activations"),
                    layers=len(self.hidden),
                    count=len(self.activations),
                )
            for name in self.activations:
                check_activation(name)
        features_.check(self.features or self.feature_ids)
        validate.positive(N_("learning rate"), self.lr, 100.0)
        validate.integer(N_("batch size (0: full batch)"), self.batch_size, 0, MAX_BATCH)
        optimizers.check(self.optimizer)
        validate.number(N_("L2 strength"), self.l2, 0.0, 1.0)
        validate.number(N_("L1 strength"), self.l1, 0.0, 1.0)
        validate.choice(N_("loss"), self.loss, LOSSES)
        validate.choice(N_("initialisation"), self.init, INITS)
        validate.integer(N_("weight seed"), self.seed, 0, 2**31 - 1)
        validate.integer(N_("data seed"), self.data_seed, 0, 2**31 - 1)

    @property
    def task(self) -> str:
        if self.dataset == CUSTOM:
            return "classification" if self.custom_classes else "regression"
        return toydata.task_of(self.dataset)

    @property
    def n_classes(self) -> int:
        """2 or 3 for classification, 0 for regression."""
        return self.custom_classes if self.dataset == CUSTOM else toydata.n_classes(self.dataset)

    @property
    def input_dims(self) -> int:
        """Raw inputs per point: (x1, x2) for every dataset."""
        return 2

    @property
    def feature_ids(self) -> tuple[str, ...]:
        """The chosen features in TF's order (default x1, x2)."""
        if not self.features:
            return features_.DEFAULT_2D
        return features_.check(self.features)

    @property
    def layer_activations(self) -> tuple[str, ...]:
        """One activation id per hidden layer."""
        return self.activations or (self.activation,) * len(self.hidden)

    @property
    def output(self) -> str:
        """What the output unit(s) apply: TF's tanh for 2 classes with squared loss, sigmoid
        with cross-entropy, softmax for more classes, nothing for regression."""
        if self.task == "regression":
            return "linear"
        if self.n_classes > 2:
            return "softmax"
        return "tanh" if self.loss == "squared" else "sigmoid"

    @property
    def effective_loss(self) -> str:
        return "squared" if self.task == "regression" else self.loss

    @property
    def is_linear(self) -> bool:
        """No activation or no hidden layer: the network is one affine map of its features."""
        return not self.hidden or all(a == NO_ACTIVATION for a in self.layer_activations)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer: features, hidden layers, outputs."""
        n_out = self.n_classes if self.n_classes > 2 else 1
        return (len(self.feature_ids), *self.hidden, n_out)


def check_activation(name: str) -> str:
    """``name`` if it is "linear", a catalogue id or a valid ``custom:`` formula."""
    if name != NO_ACTIVATION:
        activations.get(name)
    return name


def tensorflow_defaults(**changes: object) -> PlaygroundConfig:
    """TF Playground's starting state (state.ts, playground.ts): Circle, noise 0, 50 % training
    data, 500 points, features x1 and x2, hidden (4, 2), tanh, learning rate 0.03, batch 10,
    plain SGD, no regularisation, tanh output with squared loss, weights U(−0.5, 0.5) and biases
    0.1; regression sets get TF's 1,200 points."""
    values: dict[str, object] = {
        "dataset": "circle",
        "noise": 0.0,
        "train_fraction": 0.5,
        "n_points": toydata.TF_DEFAULT_POINTS["classification"],
        "hidden": (4, 2),
        "activation": "tanh",
        "lr": 0.03,
        "batch_size": 10,
        "optimizer": "sgd",
        "loss": "squared",
        "init": "playground",
        "features": ("x1", "x2"),
    }
    values.update(changes)
    dataset = values["dataset"]
    if "n_points" not in changes and dataset != CUSTOM and toydata.task_of(dataset) == "regression":
        values["n_points"] = toydata.TF_DEFAULT_POINTS["regression"]
    return PlaygroundConfig(**values)


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
    return _("linear (none)") if name == NO_ACTIVATION else activations.display_name(name)


def linear_note(config: PlaygroundConfig) -> str | None:
    """Why a linear network cannot learn this dataset (Markdown), or None when it can, the
    network is not linear, or curved features (x1², sin x1, …) give it the bend it needs."""
    plain = set(config.feature_ids) <= {"x1", "x2"}
    if not (config.is_linear and plain and config.dataset in toydata.NOT_LINEARLY_SEPARABLE):
        return None
    why = _("no hidden layer") if not config.hidden else _("no activation")
    return _(
        "This network is linear (**{why}**): whatever it learns, it computes one affine map of "
        "(x₁, x₂), so its boundary P = 0.5 is a single straight line. {dataset} cannot be split "
        "by one line: the loss stays near a coin flip's (ln 2 ≈ 0.693 for cross-entropy) and "
        "the accuracy near what one straight cut can get."
    ).format(why=why, dataset=_(toydata.DISPLAY_NAMES[config.dataset]))


def model_formulas(config: PlaygroundConfig) -> list[str]:
    """LaTeX of what is trained: the activation acts on the hidden layers only, the output layer
    is affine (its function comes with the loss), and each loss sums whole bracketed terms. Its
    words (loss, sizes) are in the page's language."""
    words = {
        "sizes": _("sizes"),
        "loss": _("loss"),
        "bce": _("binary cross-entropy"),
        "ce": _("cross-entropy"),
        "class": _("class {c}").format(c=1),
        "after": _("after each update: "),
        "as_tf": _("(weights only, as TF)"),
    }
    hidden = len(config.hidden)
    acts = set(config.layer_activations)
    f_text = r"\mathrm{id}" if acts == {NO_ACTIVATION} else ("f" if len(acts) == 1 else r"f_\ell")
    sizes = r" \to ".join(map(str, config.sizes))
    size_text = rf"\quad(\text{{{words['sizes']} }} {sizes})"
    lines = []
    if hidden:
        lines.append(
            rf"h_0 = \phi(x),\quad h_\ell = {f_text}(W_\ell h_{{\ell-1}} + b_\ell)"
            rf"\ (\ell = 1, \dots, {hidden}),\quad z = W_{{{hidden + 1}}} h_{{{hidden}}}"
            rf" + b_{{{hidden + 1}}}{size_text}"
        )
    else:
        lines.append(rf"z = W_1 \phi(x) + b_1{size_text}")
    output, loss = config.output, config.effective_loss
    mean = r"\tfrac1n\textstyle\sum_{i=1}^{n}"
    loss_text = rf"\text{{{words['loss']}}}"
    class_one = rf"P(\text{{{words['class']}}})"
    if output == "sigmoid":
        lines.append(
            rf"{loss_text} = {mean} \big[\log(1 + e^{{z_i}}) - y_i z_i\big]"
            rf"\quad(\text{{{words['bce']}}}),\qquad {class_one} = \sigma(z)"
        )
    elif output == "tanh":
        lines.append(
            rf"{loss_text} = {mean} \tfrac12\big(\tanh z_i - t_i\big)^2,\quad t_i = \pm1,"
            rf"\qquad {class_one} = \tfrac12\big(1 + \tanh z\big)"
        )
    elif output == "softmax" and loss == "cross_entropy":
        lines.append(
            rf"{loss_text} = {mean} \big[-\log \mathrm{{softmax}}(z_i)_{{y_i}}\big]"
            rf"\quad(\text{{{words['ce']}}})"
        )
    elif output == "softmax":
        lines.append(
            rf"{loss_text} = {mean} \tfrac12\big\lVert \mathrm{{softmax}}(z_i)"
            r" - \mathrm{onehot}(y_i)\big\rVert^2"
        )
    else:
        lines.append(rf"{loss_text} = {mean} \tfrac12\big(z_i - y_i\big)^2")
    if config.l1 or config.l2:
        lines.append(
            rf"\text{{{words['after']}}} w \leftarrow w - \eta\,\big({config.l2:g}\,w"
            rf" + {config.l1:g}\,\mathrm{{sign}}(w)\big)\ \text{{{words['as_tf']}}}"
        )
    return lines


class PlaygroundNet(nn.Module):
    """Features, then ``Linear → f_ℓ`` per hidden layer, then a ``Linear`` to the output
    logit(s) ``z`` (the output function is applied by the loss / ``probabilities``)."""

    def __init__(
        self, feature_ids: Sequence[str], sizes: Sequence[int], layer_activations: Sequence[str]
    ) -> None:
        super().__init__()
        self.features = features_.FeatureMap(feature_ids)
        self.linears = nn.ModuleList(
            nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)
        )
        self.activations = nn.ModuleList(
            nn.Identity() if name == NO_ACTIVATION else activations.module(name)
            for name in layer_activations
        )

    def body(self, h: Tensor) -> Tensor:
        """Output logits ``z`` from feature values ``h`` ``[n, n_features]``."""
        for linear, f in zip(self.linears, self.activations, strict=False):
            h = f(linear(h))
        return self.linears[-1](h)

    def forward(self, x: Tensor) -> Tensor:
        """Output logits from raw inputs ``x`` ``[n, 2]``."""
        return self.body(self.features(x))

    def layer_outputs(self, h: Tensor) -> list[Tensor]:
        """Every hidden layer's output (after its activation), then the logits ``z``."""
        outputs = []
        for linear, f in zip(self.linears, self.activations, strict=False):
            h = f(linear(h))
            outputs.append(h)
        outputs.append(self.linears[-1](h))
        return outputs


def build_model(config: PlaygroundConfig) -> PlaygroundNet:
    """The network of ``config``, its weights a pure function of ``config.seed`` (and of the
    shapes only: activations draw no random numbers, so two configurations that differ only in
    activations or loss start from identical weights)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = PlaygroundNet(config.feature_ids, config.sizes, config.layer_activations)
        if config.init == "playground":  # nn.ts: Link.weight = random − 0.5, Node.bias = 0.1
            with torch.no_grad():
                for linear in model.linears:
                    linear.weight.uniform_(-0.5, 0.5)
                    linear.bias.fill_(0.1)
    return model


def output_values(config: PlaygroundConfig, z: Tensor) -> Tensor:
    """What the network outputs from logits ``z`` ``[n, k]``: P(class 1) ``[n]`` for 2 classes
    (σ(z), or (1 + tanh z)/2 for TF's tanh output), class probabilities ``[n, k]`` for more,
    the prediction ``[n]`` for regression."""
    output = config.output
    if output == "sigmoid":
        return torch.sigmoid(z[:, 0])
    if output == "tanh":
        return (1 + torch.tanh(z[:, 0])) / 2
    if output == "softmax":
        return torch.softmax(z, dim=1)
    return z[:, 0]


def predicted_classes(config: PlaygroundConfig, z: Tensor) -> Tensor:
    """Class index per point (long ``[n]``): z > 0 for 2 classes (P > 0.5), argmax for more."""
    if config.n_classes > 2:
        return z.argmax(dim=1)
    return (z[:, 0] > 0).long()


def loss_function(config: PlaygroundConfig) -> Callable[[Tensor, Tensor], Tensor]:
    """The mean loss of logits ``z`` ``[n, k]`` against ``y`` ``[n]`` (class index or target),
    chosen once per run (the training loop calls it per update).

    Written as elementwise ops: F.binary_cross_entropy_with_logits and F.cross_entropy cost
    ~1 ms per call on a busy 2-core machine against ~0.02 ms for these few ops.
    """
    output, loss = config.output, config.effective_loss
    if output == "sigmoid":  # log(1 + e^z) − y·z

        def binary_cross_entropy(z: Tensor, y: Tensor) -> Tensor:
            return (F.softplus(z[:, 0]) - y * z[:, 0]).mean()

        return binary_cross_entropy
    if output == "tanh":  # nn.ts Errors.SQUARE on TF's tanh output, targets ±1

        def tanh_squared(z: Tensor, y: Tensor) -> Tensor:
            return (0.5 * (torch.tanh(z[:, 0]) - (2 * y - 1)) ** 2).mean()

        return tanh_squared
    if output == "softmax" and loss == "cross_entropy":

        def cross_entropy(z: Tensor, y: Tensor) -> Tensor:
            return (torch.logsumexp(z, dim=1) - z.gather(1, y.long().unsqueeze(1))[:, 0]).mean()

        return cross_entropy
    if output == "softmax":

        def softmax_squared(z: Tensor, y: Tensor) -> Tensor:
            onehot = torch.zeros_like(z).scatter_(1, y.long().unsqueeze(1), 1.0)
            return (0.5 * ((torch.softmax(z, dim=1) - onehot) ** 2).sum(dim=1)).mean()

        return softmax_squared

    def squared(z: Tensor, y: Tensor) -> Tensor:  # regression, nn.ts Errors.SQUARE
        return (0.5 * (z[:, 0] - y) ** 2).mean()

    return squared


def data_loss(config: PlaygroundConfig, z: Tensor, y: Tensor) -> Tensor:
    """``loss_function(config)(z, y)``."""
    return loss_function(config)(z, y)


def penalty(model: PlaygroundNet, l1: float, l2: float) -> float:
    """The regularisation term TF's update rule descends: l1·Σ|w| + l2·½Σw² over the weights
    (not the biases), nn.ts RegularizationFunction."""
    with torch.no_grad():
        total = 0.0
        for linear in model.linears:
            w = linear.weight.double()
            total += l1 * float(w.abs().sum()) + l2 * 0.5 * float((w * w).sum())
    return total


class PlaygroundTrainer:
    """Data, model, optimizer and history of one playground run.

    ``step(epochs)`` trains; ``history`` has one row per epoch (row 0: before training);
    ``actlab.playground_frame.frame`` draws the model's current predictions.
    ``data`` (optional) supplies the points: required for ``dataset="custom"``, and lets two
    runs share one dataset object. ``initial_state`` (optional) is a ``state_dict`` to start
    from instead of the seed's weights (``replay``).
    """

    def __init__(
        self,
        config: PlaygroundConfig,
        data: toydata.ToyData | None = None,
        initial_state: dict[str, Tensor] | None = None,
    ) -> None:
        self.config = config
        self.data = self._check_data(config, data)
        self.model = build_model(config)
        if initial_state is not None:
            self.model.load_state_dict(initial_state)
        self.initial_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        # Adam's fused kernel: same update, 0.2 ms instead of 0.34 ms per step here.
        fused = True if config.optimizer == "adam" else None
        self.optimizer = optimizers.build(
            config.optimizer, self.model.parameters(), lr=config.lr, fused=fused
        )
        self._loss = loss_function(config)
        self._weights = [linear.weight for linear in self.model.linears]
        # nn.ts: a link L1 pushed across zero is "dead": weight 0, never updated again.
        self._alive = [torch.ones_like(w, dtype=torch.bool) for w in self._weights]
        self._any_dead = False
        self._shuffle = torch.Generator().manual_seed(config.seed)
        ids = self.model.features.ids
        self.h_train = features_.feature_matrix(ids, self.data.x_train)
        self.h_test = features_.feature_matrix(ids, self.data.x_test)
        self.epoch = 0
        self.updates = 0
        self.diverged: str | None = None
        self._rows: list[dict] = [self._evaluate()]
        self._start_loss = self._rows[0]["train_loss"]
        self._high_epochs = 0
        self.extent = self.data.extent

    @staticmethod
    def _check_data(config: PlaygroundConfig, data: toydata.ToyData | None) -> toydata.ToyData:
        if data is None:
            if config.dataset == CUSTOM:
                raise Refusal(N_("dataset 'custom' needs your points: upload a CSV or draw some"))
            return toydata.make(
                config.dataset,
                config.n_points,
                config.noise,
                config.train_fraction,
                config.data_seed,
            )
        if data.name != config.dataset:
            raise ValueError(  # internal: the page passes the data it made for this config
                f"the data is {data.name!r} but the configuration says {config.dataset!r}"
            )
        if data.n_classes != config.n_classes or data.input_dims != config.input_dims:
            raise ValueError(  # internal: as above; your own data is checked when read
                f"the data has {data.n_classes or 'no'} classes and {data.input_dims} inputs; the "
                f"configuration expects {config.n_classes or 'no'} and {config.input_dims}"
            )
        return data

    # --- rewind ------------------------------------------------------------------------------

    def rewound(self) -> PlaygroundTrainer:
        """A fresh run of the current configuration from the identical initial weights and data."""
        return PlaygroundTrainer(self.config, self.data, self.initial_state)

    def replay(self, config: PlaygroundConfig) -> PlaygroundTrainer:
        """``config`` (e.g. another activation, loss or learning rate) from this run's identical
        initial weights, on the same data when the data settings are equal; ``ValueError`` when
        the network's shape (features, hidden sizes, outputs) differs."""
        if config.sizes != self.config.sizes or config.feature_ids != self.config.feature_ids:
            raise Refusal(
                N_(
                    "cannot replay from the same initial weights: the network's shape changed "
                    "({before} to {after})"
                ),
                before=" → ".join(map(str, self.config.sizes)),
                after=" → ".join(map(str, config.sizes)),
            )
        same_data = all(getattr(config, f) == getattr(self.config, f) for f in DATA_FIELDS)
        if not same_data and config.dataset == CUSTOM:
            raise Refusal(N_("your own data cannot be regenerated: keep its settings to replay"))
        return PlaygroundTrainer(config, self.data if same_data else None, self.initial_state)

    # --- training ---------------------------------------------------------------------------

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
        """One pass in shuffled mini-batches, each one update of the batch's mean gradient
        (nn.ts updateWeights divides the summed derivatives by their count). Unlike TF, the
        order is reshuffled every epoch and a last partial batch makes its own update."""
        h, y = self.h_train, self.data.y_train
        n = len(y)
        batch = self.config.batch_size or n
        if batch < n:  # one gather per epoch; the batches are then views
            order = torch.randperm(n, generator=self._shuffle)
            h, y = h.index_select(0, order), y.index_select(0, order)
        self.model.train()
        for begin in range(0, n, batch):
            hb, yb = h[begin : begin + batch], y[begin : begin + batch]
            loss = self._loss(self.model.body(hb), yb)
            if not math.isfinite(loss.item()):
                self._stop(
                    N_("the loss became {loss} at update {update}"),
                    loss=loss.item(),
                    update=self.updates + 1,
                )
                return
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self._regularise()
            self.updates += 1
        self.epoch += 1
        row = self._evaluate()
        self._rows.append(row)
        self._check_divergence(row)

    @torch.no_grad()
    def _regularise(self) -> None:
        """nn.ts updateWeights after the gradient step, weights only: L2 w ← w − lr·l2·w;
        L1 w ← w − lr·l1·sign(w), and a weight that would cross zero is set to 0 and stays
        there (TF's dead link: later updates skip it, even with L1 turned off)."""
        lr, l1, l2 = self.config.lr, self.config.l1, self.config.l2
        if not (l1 or l2 or self._any_dead):
            return
        for w, alive in zip(self._weights, self._alive, strict=True):
            if self._any_dead:
                w.mul_(alive)
            if l2:
                w.mul_(1 - lr * l2)
            if l1:
                shrunk = w - lr * l1 * torch.sign(w)
                alive &= (w * shrunk) >= 0
                w.copy_(torch.where(alive, shrunk, torch.zeros_like(w)))
        if l1:
            self._any_dead = not all(bool(alive.all()) for alive in self._alive)

    def _check_divergence(self, row: dict) -> None:
        loss, start = row["train_loss"], self._start_loss
        ratio = loss / max(start, 1e-3)
        self._high_epochs = self._high_epochs + 1 if ratio > HIGH_FACTOR else 0
        if not (math.isfinite(loss) and math.isfinite(row["test_loss"])):
            self._stop(N_("the loss became {loss} in epoch {epoch}"), loss=loss, epoch=self.epoch)
        elif ratio > BLOW_UP_FACTOR:
            self._stop(
                N_(
                    "the training loss jumped to {loss} in epoch {epoch}, more than {factor}× its "
                    "starting value {start}"
                ),
                loss=f"{loss:.3g}",
                epoch=self.epoch,
                factor=f"{BLOW_UP_FACTOR:g}",
                start=f"{start:.3g}",
            )
        elif self._high_epochs >= HIGH_PATIENCE:
            self._stop(
                N_(
                    "the training loss has stayed above {factor}× its starting value {start} for "
                    "{patience} epochs (now {loss}, epoch {epoch})"
                ),
                factor=f"{HIGH_FACTOR:g}",
                start=f"{start:.3g}",
                patience=HIGH_PATIENCE,
                loss=f"{loss:.3g}",
                epoch=self.epoch,
            )

    def _stop(self, reason: str, **params: object) -> None:
        """Stop with ``reason`` (a marked template and its ``params``): a ``Said``, shown in
        each viewer's language."""
        self.diverged = Said(
            N_(
                "Training diverged: {reason}. The step size (learning rate {lr}) is too large for "
                "this network; lower it and press Reset."
            ),
            reason=Message(reason, params),
            lr=f"{self.config.lr:g}",
        )

    def retune(self, config: PlaygroundConfig) -> bool:
        """Take on ``config`` without restarting when only learning rate, L1, L2 or batch size
        differ; returns False (nothing changed) when the run must start over."""
        if replace(config, **{f: getattr(self.config, f) for f in LIVE_FIELDS}) != self.config:
            return False
        for group in self.optimizer.param_groups:
            group["lr"] = config.lr
        self.config = config
        return True

    # --- measuring and drawing --------------------------------------------------------------

    @torch.no_grad()
    def _evaluate(self) -> dict:
        self.model.eval()
        row: dict = {"epoch": self.epoch, "updates": self.updates}
        for split, h, y in (
            ("train", self.h_train, self.data.y_train),
            ("test", self.h_test, self.data.y_test),
        ):
            z = self.model.body(h)
            row[f"{split}_loss"] = float(self._loss(z, y))
            if self.config.task == "classification":
                correct = predicted_classes(self.config, z) == y.long()
                row[f"{split}_accuracy"] = float(correct.float().mean())
            else:
                row[f"{split}_accuracy"] = math.nan
        return row

    def penalty(self) -> float:
        """The current L1/L2 term (not included in the reported losses, as TF)."""
        return penalty(self.model, self.config.l1, self.config.l2)

    @property
    def history(self) -> pd.DataFrame:
        """One row per epoch: ``epoch, updates, train_loss, train_accuracy, test_loss,
        test_accuracy`` (accuracies NaN for regression)."""
        return pd.DataFrame(self._rows)

    @property
    def latest(self) -> dict:
        return dict(self._rows[-1])

    def thinned_history(self, max_rows: int = 400) -> dict[str, list[float]]:
        """At most ``max_rows`` evenly spaced rows of ``history``, always the first and the last,
        as columns of lists, without building the whole DataFrame: a frame's cost must not grow
        with the length of the run."""
        rows = self._rows
        if len(rows) > max_rows:
            keep = np.unique(np.linspace(0, len(rows) - 1, max_rows).round().astype(int))
            rows = [rows[i] for i in keep]
        return {key: [row[key] for row in rows] for key in rows[0]}


def side_by_side(
    first: PlaygroundConfig, second: PlaygroundConfig, data: toydata.ToyData | None = None
) -> tuple[PlaygroundTrainer, PlaygroundTrainer]:
    """Two runs on one dataset object (e.g. ReLU vs tanh), the second starting from the first's
    identical initial weights when their shapes match (else from the same seed)."""
    for name in DATA_FIELDS:
        if getattr(first, name) != getattr(second, name):
            raise Refusal(N_("two runs side by side share their data: {name} differs"), name=name)
    a = PlaygroundTrainer(first, data)
    if second.sizes == first.sizes and second.feature_ids == first.feature_ids:
        return a, a.replay(second)
    return a, PlaygroundTrainer(second, a.data)


def config_fields() -> tuple[str, ...]:
    """Every field of ``PlaygroundConfig``, in order (for URL schemas and forms)."""
    return tuple(f.name for f in fields(PlaygroundConfig))
