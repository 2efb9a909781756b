"""Gradients through a deep MLP: how they vanish, explode, and what dead ReLU units are.

One real MNIST batch goes through a deep MLP (784 → width → … → width → 10) with a real
cross-entropy loss; one backward pass gives every layer's weight gradient. Depth ``L`` counts
the weight layers, so there are ``L − 1`` activations, one after each hidden layer. By the chain
rule the gradient reaching layer ``l`` has passed through ``L − l`` activation derivatives,
which is why sigmoid (f′ ≤ 1/4) shrinks it geometrically.

Everything is computed in float64 so that even a 50-layer sigmoid net (gradients near 1e-45)
keeps its tiny numbers instead of underflowing to zero. Every random choice (weights, batch)
comes from ``seed``: the same arguments give the same numbers, and every activation sees the
same initial weights and the same batch.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import activations
from actlab.bundled import bundled_mnist

INPUTS = 28 * 28
CLASSES = 10
MIN_DEPTH, MAX_DEPTH = 2, 50
MIN_WIDTH, MAX_WIDTH = 2, 1024
MAX_BATCH = 5000
INITS = ("pytorch_default", "xavier", "kaiming", "orthogonal", "normal")
INIT_LABELS = {
    "pytorch_default": "PyTorch default (nn.Linear)",
    "xavier": "Xavier/Glorot uniform",
    "kaiming": "Kaiming/He normal",
    "orthogonal": "orthogonal",
    "normal": "normal with your std",
}
SIGMOID_MAX_SLOPE = 0.25  # max of σ′(z) = σ(z)(1 − σ(z)), reached at z = 0
SATURATED_SLOPE = 0.01  # |f′(z)| below this: the unit passes back under 1% of its gradient
HISTOGRAM_BINS = 40


# --- validation -------------------------------------------------------------------------------


def check_int(name: str, value: object, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return int(value)


def check_positive(name: str, value: object, high: float = math.inf) -> float:
    """``value`` as a finite float in (0, high], else a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and 0 < value <= high):
        bound = f"in (0, {high:g}]" if math.isfinite(high) else "positive and finite"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


def check_init(init: str) -> str:
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of: {', '.join(INITS)}")
    return init


# --- the network ------------------------------------------------------------------------------


def layer_sizes(depth: int, width: int) -> list[int]:
    """Input, hidden and output sizes: ``depth`` weight layers, ``depth − 1`` hidden ones."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    width = check_int("width", width, MIN_WIDTH, MAX_WIDTH)
    return [INPUTS, *[width] * (depth - 1), CLASSES]


def initialise(
    layer: nn.Linear,
    init: str,
    generator: torch.Generator,
    std: float = 0.05,
    bias: float | None = None,
) -> None:
    """Fill ``layer`` in place. Only the PyTorch default draws biases; the others start at 0.

    ``pytorch_default`` repeats ``nn.Linear.reset_parameters`` (weights and biases uniform in
    ±1/√fan_in) but draws from ``generator``; ``kaiming`` is He's normal init for ReLU (std
    √(2/fan_in)); ``xavier`` is Glorot's uniform init (gain 1). ``bias`` overrides the bias.
    """
    weight = layer.weight
    fan_in = weight.shape[1]
    with torch.no_grad():
        if init == "pytorch_default":
            nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
            bound = 1.0 / math.sqrt(fan_in)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        else:
            if init == "xavier":
                nn.init.xavier_uniform_(weight, generator=generator)
            elif init == "kaiming":
                nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)
            elif init == "orthogonal":
                nn.init.orthogonal_(weight, generator=generator)
            elif init == "normal":
                nn.init.normal_(weight, 0.0, std, generator=generator)
            else:
                check_init(init)
            nn.init.zeros_(layer.bias)
        if bias is not None:
            nn.init.constant_(layer.bias, bias)


def build_mlp(
    activation: str,
    depth: int,
    width: int,
    init: str = "pytorch_default",
    seed: int = 0,
    *,
    std: float = 0.05,
    bias: float | None = None,
    params: Mapping[str, float] | None = None,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """``Linear, f, Linear, f, …, Linear``: the same weights for every activation at one seed.

    ``bias`` (if given) sets every hidden layer's bias; the output layer keeps its init's bias.
    """
    sizes = layer_sizes(depth, width)
    check_init(init)
    std = check_positive("std", std, 10.0)
    seed = check_int("seed", seed, 0, 2**31 - 1)
    if bias is not None and not (isinstance(bias, int | float) and math.isfinite(bias)):
        raise ValueError(f"bias must be a finite number, got {bias!r}")
    params = dict(params or {})
    activations.resolve_params(activation, params)
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(fan_in, fan_out, dtype=dtype)
        hidden = index < depth - 1
        initialise(linear, init, generator, std, bias if hidden else None)
        layers.append(linear)
        if hidden:
            layers.append(activations.module(activation, **params))
    return nn.Sequential(*layers)


def linear_layers(model: nn.Sequential) -> list[nn.Linear]:
    return [m for m in model if isinstance(m, nn.Linear)]


# --- data -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pixel_moments() -> tuple[float, float]:
    """Mean and std of all bundled training pixels: one standardisation for every batch."""
    images, _ = bundled_mnist("train")
    pixels = images.astype(np.float64)
    return float(pixels.mean()), float(pixels.std())


def standardised(images: np.ndarray, dtype: torch.dtype = torch.float64) -> Tensor:
    """uint8 ``[N, 28, 28]`` → ``[N, 784]`` with the training pixels' mean 0 and std 1."""
    mean, std = _pixel_moments()
    flat = torch.from_numpy(images.reshape(len(images), -1).astype(np.float64))
    return ((flat - mean) / std).to(dtype)


def mnist_batch(
    size: int = 256, seed: int = 0, split: str = "train", dtype: torch.dtype = torch.float64
) -> tuple[Tensor, Tensor]:
    """``size`` bundled MNIST digits drawn at random (the splits are sorted by class)."""
    images, labels = bundled_mnist(split)
    size = check_int("batch size", size, 1, min(MAX_BATCH, len(labels)))
    seed = check_int("seed", seed, 0, 2**31 - 1)
    chosen = np.sort(np.random.default_rng(seed).permutation(len(labels))[:size])
    return standardised(images[chosen], dtype), torch.from_numpy(labels[chosen].astype(np.int64))


# --- one forward and backward pass, measured --------------------------------------------------


@dataclass(frozen=True)
class GradientProbe:
    """What one batch through one network shows, as tables ready to plot.

    ``norms``: one row per weight layer (``layer`` 1..L, ``norm`` = ‖∂L/∂W_l‖_F,
    ``signal_norm`` = ‖∂L/∂z_l‖_F (the error signal backpropagated to the layer's outputs, over
    the batch), ``bias_norm``, ``zero_share`` = fraction of weight-gradient entries exactly 0,
    ``shape``). ∂L/∂W_l = δ_lᵀ h_(l−1) also carries the layer's input h_(l−1): for layer 1 that
    is the image, larger than any hidden layer's output, so only ``signal_norm`` shrinks strictly
    all the way to the input.
    ``stats``: one row per hidden layer (``mean``, ``std`` of the activations, ``saturated`` =
    fraction of unit-examples with |f′(z)| < ``SATURATED_SLOPE``, ``zero`` = fraction exactly 0).
    ``histograms``: per layer and ``quantity`` (``activation`` or ``log10 |weight gradient|``),
    ``HISTOGRAM_BINS`` bins with ``count`` and ``share``.
    """

    activation: str
    loss: float
    norms: pd.DataFrame
    stats: pd.DataFrame
    histograms: pd.DataFrame


def histogram(values: Tensor, bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Equal-width bins from min to max of the finite ``values`` (count and share of all).

    Non-finite values are left out. A constant tensor gets one bin of width 0.
    """
    flat = values.detach().reshape(-1).to(torch.float64)
    flat = flat[torch.isfinite(flat)]
    columns = ["bin_start", "bin_end", "count", "share"]
    if flat.numel() == 0:
        return pd.DataFrame(columns=columns)
    low, high = float(flat.min()), float(flat.max())
    if low == high:
        return pd.DataFrame([[low, high, flat.numel(), 1.0]], columns=columns)
    counts, edges = np.histogram(flat.numpy(), bins=bins, range=(low, high))
    return pd.DataFrame(
        {
            "bin_start": edges[:-1],
            "bin_end": edges[1:],
            "count": counts,
            "share": counts / values.numel(),
        }
    )


def _slopes(activation: nn.Module, pre: Tensor) -> Tensor:
    """f′ at every pre-activation, by autograd (works for custom formulas too)."""
    z = pre.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (slope,) = torch.autograd.grad(activation(z).sum(), z)
    return slope


def probe(
    activation: str,
    depth: int,
    width: int,
    init: str = "pytorch_default",
    seed: int = 0,
    *,
    std: float = 0.05,
    batch_size: int = 256,
    params: Mapping[str, float] | None = None,
) -> GradientProbe:
    """Build the net, run one MNIST batch with cross-entropy, backpropagate, measure."""
    model = build_mlp(activation, depth, width, init, seed, std=std, params=params)
    x, y = mnist_batch(batch_size, seed)
    captured: list[tuple[nn.Module, Tensor, Tensor]] = []
    pre_activations: list[Tensor] = []
    h = x
    for module in model:
        out = module(h)
        if isinstance(module, nn.Linear):
            out.retain_grad()
            pre_activations.append(out)
        else:
            captured.append((module, h, out))
        h = out
    loss = F.cross_entropy(h, y)
    name = activations.display_name(activation)
    if not bool(torch.isfinite(loss)):
        # float64 throughout, so only a typed formula (log of a negative value, say) gets here.
        raise ValueError(f"{name} makes the loss {loss.item()} at depth {depth}: no gradients")
    loss.backward()

    norms = pd.DataFrame(
        [
            {
                "activation": name,
                "layer": index,
                "norm": float(layer.weight.grad.norm()),
                "signal_norm": float(z.grad.norm()),
                "bias_norm": float(layer.bias.grad.norm()),
                "zero_share": float((layer.weight.grad == 0).double().mean()),
                "shape": f"{layer.out_features}×{layer.in_features}",
            }
            for index, (layer, z) in enumerate(
                zip(linear_layers(model), pre_activations, strict=True), start=1
            )
        ]
    )
    stats, histograms = [], []
    for index, (module, pre, out) in enumerate(captured, start=1):
        values = out.detach()
        slopes = _slopes(module, pre)
        stats.append(
            {
                "activation": name,
                "layer": index,
                "mean": float(values.mean()),
                "std": float(values.std(correction=0)),
                "saturated": float((slopes.abs() < SATURATED_SLOPE).double().mean()),
                "zero": float((values == 0).double().mean()),
            }
        )
        histograms.append(_layer_histogram(name, index, "activation", values))
    for index, layer in enumerate(linear_layers(model), start=1):
        grad = layer.weight.grad.abs()
        histograms.append(
            _layer_histogram(name, index, "log10 |weight gradient|", torch.log10(grad))
        )
    return GradientProbe(
        activation=name,
        loss=float(loss.detach()),
        norms=norms,
        stats=pd.DataFrame(stats),
        histograms=pd.concat(histograms, ignore_index=True),
    )


def _layer_histogram(name: str, layer: int, quantity: str, values: Tensor) -> pd.DataFrame:
    table = histogram(values)
    table.insert(0, "quantity", quantity)
    table.insert(0, "layer", layer)
    table.insert(0, "activation", name)
    return table


def gradient_norms(
    activation: str,
    depth: int,
    width: int,
    init: str = "pytorch_default",
    seed: int = 0,
    *,
    std: float = 0.05,
    batch_size: int = 256,
    params: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per-layer weight-gradient norms ‖∂L/∂W_l‖_F for one MNIST batch and cross-entropy.

    Columns ``activation, layer, norm, signal_norm, bias_norm, zero_share, shape`` (see
    ``GradientProbe``); layer 1 is next to the input, layer ``depth`` produces the logits.
    Raises ``ValueError`` for bad arguments.
    """
    return probe(
        activation, depth, width, init, seed, std=std, batch_size=batch_size, params=params
    ).norms


def sigmoid_bound(norms: pd.DataFrame, column: str = "norm") -> pd.DataFrame:
    """The reference line ``0.25^(L − l) · n_L``, anchored at the last layer's ``column``.

    Between layer l and the last layer L the gradient passes L − l sigmoid derivatives, each at
    most 1/4; ignoring the weights (and the inputs' size), that alone scales it by 0.25^(L − l).
    """
    last = norms.loc[norms["layer"].idxmax()]
    depth = int(last["layer"])
    layers = norms["layer"].to_numpy()
    return pd.DataFrame(
        {
            "layer": layers,
            "bound": float(last[column]) * SIGMOID_MAX_SLOPE ** (depth - layers).astype(float),
        }
    )


# --- dead units -------------------------------------------------------------------------------


def dead_unit_fraction(model: nn.Sequential, probe_x: Tensor) -> pd.DataFrame:
    """Per hidden layer, the units that output exactly 0 for every example of ``probe_x``.

    A unit like that gets no gradient from any of those examples, so (for ReLU) nothing can
    bring it back. Columns: ``layer`` (1 = first hidden layer), ``units``, ``dead``,
    ``fraction`` (dead / units), ``negative`` (fraction of units whose pre-activation is ≤ 0 on
    every example: dead for ReLU, merely quiet for LeakyReLU, which still passes slope a).
    """
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"model must be an nn.Sequential, got {type(model).__name__}")
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
                raise ValueError(f"the probe does not fit the model: {err}") from None
            if isinstance(module, nn.Linear):
                layer += 1
            else:
                dead = int((out == 0).all(dim=0).sum())
                units = out.shape[1]
                rows.append(
                    {
                        "layer": layer,
                        "units": units,
                        "dead": dead,
                        "fraction": dead / units,
                        "negative": float((h <= 0).all(dim=0).double().mean()),
                    }
                )
            h = out
    return pd.DataFrame(rows, columns=["layer", "units", "dead", "fraction", "negative"])
