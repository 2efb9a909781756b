"""Gradients through a deep MLP: how they vanish and explode with depth, init and activation.

One real MNIST batch goes through a deep MLP (784 → width → … → width → 10) with a real
cross-entropy loss; one backward pass gives every layer's weight gradient. Depth ``L`` counts
the weight layers, so there are ``L − 1`` activations, one after each hidden layer. By the chain
rule the gradient reaching layer ``l`` has passed through ``L − l`` activation derivatives,
which is why sigmoid (f′ ≤ 1/4) shrinks it geometrically.

A gated unit (``actlab.gated``: GLU, ReGLU, GEGLU, SwiGLU) makes each hidden layer
h = φ(a) ⊙ b with a = x W and b = x V: two matrices where a plain layer has one, so its hidden
width is the one ``actlab.training.gated.matched_widths`` chooses for the same parameter count
(``hidden_width``), and a layer's weight gradient is that of both matrices, ∂L/∂[W; V].

Everything is computed in float64 so that even a 50-layer sigmoid net (gradients near 1e-45)
keeps its tiny numbers instead of underflowing to zero. Every random choice (weights, batch)
comes from ``seed``: the same arguments give the same numbers, and every plain activation sees
the same initial weights and the same batch (a gated net, narrower, draws its own).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import activations, budget, gated, validate
from actlab.bundled import bundled_mnist
from actlab.i18n import N_, Message, Refusal, counted
from actlab.training.gated import (
    MAX_RELATIVE_MISMATCH,
    gated_parameters,
    matched_widths,
    plain_parameters,
)
from actlab.training.loop import pixel_moments

INPUTS = 28 * 28
CLASSES = 10
MIN_DEPTH, MAX_DEPTH = 2, 50
MIN_WIDTH, MAX_WIDTH = 2, 1024
MAX_BATCH = 5000
INITS = ("pytorch_default", "xavier", "kaiming", "orthogonal", "normal")
INIT_LABELS = {  # marked (N_): translated where shown
    "pytorch_default": N_("PyTorch default (nn.Linear)"),
    "xavier": N_("Xavier/Glorot uniform"),
    "kaiming": N_("Kaiming/He normal"),
    "orthogonal": N_("orthogonal"),
    "normal": N_("normal with your std"),
}
SIGMOID_MAX_SLOPE = 0.25  # max of σ′(z) = σ(z)(1 − σ(z)), reached at z = 0
SATURATED_SLOPE = 0.01  # |f′(z)| below this: the unit passes back under 1% of its gradient
HISTOGRAM_BINS = 40
GATED_OVERFLOW = N_(
    "{name} makes the loss {loss} at depth {depth}: no gradients. With an unbounded gate (SiLU, "
    "GELU, ReLU) a gated layer φ(xW) ⊙ (xV) is quadratic in its input: once its activations are "
    "larger than about 1 each layer squares their size (10, 100, 10⁴, 10⁸ …) and they overflow "
    "float64 within a dozen layers. Transformers wrap every gated block in a normalisation and a "
    "residual connection; this plain stack has neither. Choose a smaller depth or a smaller init "
    "scale (PyTorch's default keeps it small)."
)
MEASURES = ("norm", "signal_norm")  # ‖∂L/∂W_l‖ or ‖∂L/∂z_l‖ per layer (see GradientProbe)
HISTOGRAM_QUANTITIES = ("activation", "log10 |weight gradient|")
# The per-layer statistics the lesson charts: column → (heading, axis title), marked (N_).
LAYER_STATISTICS = {
    "mean": (N_("Mean activation"), N_("mean of h")),
    "std": (N_("Spread of activations"), N_("std of h")),
    "saturated": (N_("Saturated units"), N_("share with |f′(z)| < {slope}")),
}


# --- the network ------------------------------------------------------------------------------


def layer_sizes(depth: int, width: int) -> list[int]:
    """Input, hidden and output sizes: ``depth`` weight layers, ``depth − 1`` hidden ones."""
    depth = validate.integer("depth", depth, MIN_DEPTH, MAX_DEPTH)
    width = validate.integer("width", width, MIN_WIDTH, MAX_WIDTH)
    return [INPUTS, *[width] * (depth - 1), CLASSES]


def is_gated(activation: str) -> bool:
    """A gated unit of ``actlab.gated`` (its hidden layers have two matrices), not a function."""
    return gated.is_gated(activation)


def display_name(activation: str) -> str:
    """What charts and tables call an activation or a gated unit (``SwiGLU``)."""
    return (
        gated.display_name(activation)
        if is_gated(activation)
        else activations.display_name(activation)
    )


def check_activation(activation: str, params: Mapping[str, float] | None = None) -> dict:
    """The activation's parameters filled in and checked; a gated unit takes none."""
    if is_gated(activation):
        if params:
            raise Refusal(
                N_("{name} takes no parameters, got {params}"),
                name=display_name(activation),
                params=str(dict(params)),
            )
        return {}
    return activations.resolve_params(activation, dict(params or {}))


@lru_cache(maxsize=256)
def hidden_width(activation: str, depth: int, width: int) -> int:
    """Units per hidden layer: ``width``, or for a gated unit the width whose net has the plain
    net's parameter count (``matched_widths``; one scaled width for every layer)."""
    sizes = layer_sizes(depth, width)
    if not is_gated(activation):
        return width
    return matched_widths(sizes)[0]


def matrices_per_layer(activation: str) -> int:
    """Weight matrices of one hidden layer: 2 (W and V) for a gated unit, else 1."""
    return 2 if is_gated(activation) else 1


def network_sizes(activation: str, depth: int, width: int) -> list[int]:
    """``layer_sizes`` with the hidden width ``hidden_width`` gives this activation."""
    return layer_sizes(depth, hidden_width(activation, depth, width))


def parameter_count(activation: str, depth: int, width: int) -> int:
    """Weights and biases of the network: a gated hidden layer counts W, V and both biases."""
    sizes = network_sizes(activation, depth, width)
    return gated_parameters(sizes) if is_gated(activation) else plain_parameters(sizes)


def parameter_gap(activation: str, depth: int, width: int) -> float:
    """(parameters − the plain net's) / the plain net's: 0 for a plain activation. Within
    ``MAX_RELATIVE_MISMATCH`` (1 %) except where whole units cannot get that close (narrow
    nets: 4 gated units at width 8 and depth 20 are 8 % short, 5 would be 17 % over)."""
    plain = plain_parameters(layer_sizes(depth, width))
    return (parameter_count(activation, depth, width) - plain) / plain


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
                validate.choice("init", init, INITS)
            nn.init.zeros_(layer.bias)
        if bias is not None:
            nn.init.constant_(layer.bias, bias)


def _checked_network(
    activation: str,
    depth: int,
    width: int,
    init: str,
    seed: int,
    std: float,
    params: Mapping[str, float] | None,
) -> tuple[list[int], float, int, dict[str, float]]:
    """Layer sizes (a gated net's matched ones), std, seed and parameters, checked; a
    ``ValueError`` naming what is wrong."""
    layer_sizes(depth, width)
    validate.choice("init", init, INITS)
    std = validate.positive("std", std, 10.0)
    seed = validate.integer("seed", seed, 0, 2**31 - 1)
    params = dict(params or {})
    check_activation(activation, params)
    return network_sizes(activation, depth, width), std, seed, params


class GatedLayer(nn.Module):
    """A gated hidden layer as a textbook writes it: ``φ(gate(x)) * value(x)``.

    ``gate`` (W) and ``value`` (V) are ``nn.Linear``; φ is the gated unit's catalogue gate
    (SiLU for SwiGLU). LLaMA's FFN is ``w2(silu(w1(x)) * w3(x))``: ``w1`` is ``gate``, ``w3``
    is ``value``, and the next layer plays ``w2``.
    """

    def __init__(
        self, unit: str, fan_in: int, fan_out: int, dtype: torch.dtype = torch.float64
    ) -> None:
        super().__init__()
        self.unit = gated.get(unit).id
        self.gate = nn.Linear(fan_in, fan_out, dtype=dtype)
        self.value = nn.Linear(fan_in, fan_out, dtype=dtype)
        self.phi = activations.module(gated.get(unit).gate)

    def forward(self, x: Tensor) -> Tensor:
        return self.phi(self.gate(x)) * self.value(x)


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

    A gated unit gives ``GatedLayer, …, GatedLayer, Linear`` at its matched width
    (``hidden_width``), each layer's gate W drawn before its value V.
    ``bias`` (if given) sets every hidden layer's biases; the output layer keeps its init's bias.
    """
    sizes, std, seed, params = _checked_network(activation, depth, width, init, seed, std, params)
    if bias is not None:
        bias = validate.number("bias", bias)
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        hidden = index < depth - 1
        if hidden and is_gated(activation):
            block = GatedLayer(activation, fan_in, fan_out, dtype)
            initialise(block.gate, init, generator, std, bias)
            initialise(block.value, init, generator, std, bias)
            layers.append(block)
            continue
        linear = nn.Linear(fan_in, fan_out, dtype=dtype)
        initialise(linear, init, generator, std, bias if hidden else None)
        layers.append(linear)
        if hidden:
            layers.append(activations.module(activation, **params))
    return nn.Sequential(*layers)


def linear_modules(model: nn.Sequential) -> list[nn.Linear]:
    """The ``nn.Linear`` layers of ``model``, input first (a gated layer's W, then its V)."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


# --- data -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def bundled_pixel_moments() -> tuple[float, float]:
    """Mean and std of all bundled training pixels: one standardisation for every batch."""
    return pixel_moments(bundled_mnist("train")[0])


def standardised(images: np.ndarray, dtype: torch.dtype = torch.float64) -> Tensor:
    """uint8 ``[N, 28, 28]`` → ``[N, 784]`` with the training pixels' mean 0 and std 1."""
    mean, std = bundled_pixel_moments()
    flat = torch.from_numpy(images.reshape(len(images), -1).astype(np.float64))
    return ((flat - mean) / std).to(dtype)


def mnist_batch(
    size: int = 256, seed: int = 0, split: str = "train", dtype: torch.dtype = torch.float64
) -> tuple[Tensor, Tensor]:
    """``size`` bundled MNIST digits drawn at random (the splits are sorted by class)."""
    images, labels = bundled_mnist(split)
    size = validate.integer("batch size", size, 1, min(MAX_BATCH, len(labels)))
    seed = validate.integer("seed", seed, 0, 2**31 - 1)
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
    A gated layer's h = φ(a) b has two local slopes, ∂h/∂a = φ′(a) b and ∂h/∂b = φ(a): it is
    saturated where both are below ``SATURATED_SLOPE``; its weight gradient is ∂L/∂[W; V] and
    its signal ∂L/∂[a, b].
    ``histograms``: per layer and ``quantity`` (``activation`` or ``log10 |weight gradient|``),
    ``HISTOGRAM_BINS`` bins with ``count`` and ``share``.
    """

    activation: str
    loss: float
    norms: pd.DataFrame
    stats: pd.DataFrame
    histograms: pd.DataFrame
    units: int  # per hidden layer (a gated net's matched width)
    parameters: int  # weights and biases of the whole network
    parameter_gap: float  # (parameters − the plain net's) / the plain net's (``parameter_gap``)


Bins = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # bin_start, bin_end, count, share


def histogram_bins(values: Tensor, bins: int = HISTOGRAM_BINS) -> Bins:
    """``histogram`` as four arrays (start, end, count, share), no table."""
    flat = values.detach().reshape(-1).to(torch.float64)
    finite = torch.isfinite(flat)
    if not bool(finite.all()):  # a copy only where something is left out
        flat = flat[finite]
    if flat.numel() == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64), np.empty(0)
    low, high = (float(v) for v in torch.aminmax(flat))
    if low == high:
        return np.array([low]), np.array([high]), np.array([flat.numel()]), np.array([1.0])
    if math.isfinite(high - low):
        counts, edges = np.histogram(flat.numpy(), bins=bins, range=(low, high))
    else:  # the span overflows float64 (a deep gated stack near overflow): edges from halves
        edges = np.linspace(low / 2, high / 2, bins + 1) * 2
        counts, _ = np.histogram(flat.numpy(), bins=edges)
    return edges[:-1], edges[1:], counts, counts / values.numel()


def histogram(values: Tensor, bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Equal-width bins from min to max of the finite ``values`` (count and share of all).

    Non-finite values are left out. A constant tensor gets one bin of width 0.
    """
    columns = ["bin_start", "bin_end", "count", "share"]
    return pd.DataFrame(dict(zip(columns, histogram_bins(values, bins), strict=True)))


def _histogram_table(name: str, parts: list[tuple[int, str, Bins]]) -> pd.DataFrame:
    """One table of many layers' bins, built once at the end.

    Building a small DataFrame per layer in the middle of a probe scatters long-lived small
    allocations through glibc's heap, so the freed 1-2 MiB tensors around them cannot merge
    and be reused: a 50 × 512 probe's resident peak was +331 MiB that way, against +58 MiB
    with the same numbers kept as arrays until the end.
    """
    lengths = [len(bins[0]) for _, _, bins in parts]
    start, end, count, share = (
        np.concatenate(column) for column in zip(*(b for *_, b in parts), strict=True)
    )
    return pd.DataFrame(
        {
            "activation": name,
            "layer": np.repeat([layer for layer, _, _ in parts], lengths),
            "quantity": np.repeat([quantity for _, quantity, _ in parts], lengths).tolist(),
            "bin_start": start,
            "bin_end": end,
            "count": count,
            "share": share,
        }
    )


def _value_and_slope(activation: nn.Module, pre: Tensor) -> tuple[Tensor, Tensor]:
    """``f(z)`` and ``f′(z)`` at every pre-activation, by autograd (custom formulas too).

    The graph is one elementwise function deep and is freed before this returns.
    """
    z = pre.detach().requires_grad_(True)
    with torch.enable_grad():
        out = activation(z)
        if not out.requires_grad:  # a constant formula: f′ = 0
            return out.detach(), torch.zeros_like(z)
        (slope,) = torch.autograd.grad(out, z, torch.ones_like(out))
    return out.detach(), slope


class _Pointwise:
    """What a hidden layer does after its matrix: ``h`` and the local slopes of ``h``.

    Plain: h = f(z), slope f′(z). Gated (z = [a, b], two halves of the layer's ``[W; V]``
    output): h = φ(a) ⊙ b, slope [φ′(a) ⊙ b, φ(a)] = [∂h/∂a, ∂h/∂b], so that the backward
    pass's δ = slope ⊙ [u, u] (u = ∂L/∂h) is ∂L/∂[a, b] for both kinds alike.
    """

    def __init__(self, activation: str, params: Mapping[str, float]) -> None:
        self.gated = is_gated(activation)
        name = gated.get(activation).gate if self.gated else activation
        self.function = activations.module(name, **params)

    def __call__(self, z: Tensor) -> tuple[Tensor, Tensor]:
        if not self.gated:
            return _value_and_slope(self.function, z)
        a, b = z.chunk(2, dim=1)
        phi, phi_slope = _value_and_slope(self.function, a)
        return phi * b, torch.cat([phi_slope * b, phi], dim=1)

    def delta(self, slope: Tensor, upstream: Tensor) -> Tensor:
        """∂L/∂z from the slopes and ∂L/∂h."""
        return slope * (torch.cat([upstream, upstream], dim=1) if self.gated else upstream)

    def unit_slope(self, slope: Tensor) -> Tensor:
        """|local slope| per unit and example; a gated unit's larger of its two."""
        if not self.gated:
            return slope.abs()
        da, db = slope.abs().chunk(2, dim=1)
        return torch.maximum(da, db)


class _Layers:
    """The probe's weight layers, drawn from the seed's generator each time one is needed.

    Layer l's weights are the generator's next draws after layers 1..l−1, so the generator's
    state before each layer is all it takes to draw that layer again, bit for bit, instead of
    holding every layer (depth × width² floats: 100 MiB at 50 × 512 in float64). They are the
    weights ``build_mlp`` draws; a gated layer is one ``nn.Linear`` holding ``[W; V]`` (W drawn
    first) and ``[b; c]``.
    """

    def __init__(
        self, sizes: list[int], init: str, seed: int, std: float, matrices: int = 1
    ) -> None:
        self.sizes, self.init, self.std, self.matrices = sizes, init, std, matrices
        self.generator = torch.Generator().manual_seed(seed)
        self.states: list[Tensor] = []  # the generator's state before each layer drawn so far
        self.resume = self.generator.get_state()  # ... and after the last of them

    def __len__(self) -> int:
        return len(self.sizes) - 1

    def __getitem__(self, index: int) -> nn.Linear:
        if index > len(self.states):
            # internal: a caller's bug (layers are read in order)
            raise IndexError(f"layer {index + 1} asked for before layer {len(self.states) + 1}")
        new = index == len(self.states)
        if new:
            self.states.append(self.resume)
        self.generator.set_state(self.states[index])
        fan_in, fan_out = self.sizes[index], self.sizes[index + 1]
        count = self.matrices if index < len(self) - 1 else 1
        # skip_init: nn.Linear's own init would draw (from torch's global generator) for nothing.
        parts = [
            nn.utils.skip_init(nn.Linear, fan_in, fan_out, dtype=torch.float64)
            for _ in range(count)
        ]
        for part in parts:
            initialise(part, self.init, self.generator, self.std)
        layer = parts[0]
        if count > 1:
            layer = nn.utils.skip_init(nn.Linear, fan_in, count * fan_out, dtype=torch.float64)
            with torch.no_grad():
                layer.weight.copy_(torch.cat([p.weight for p in parts]))
                layer.bias.copy_(torch.cat([p.bias for p in parts]))
        if new:
            self.resume = self.generator.get_state()
        return layer


@dataclass
class _Step:
    """What the backward pass needs of one weight layer."""

    layer: nn.Linear
    inputs: Tensor  # h_(l−1), the layer's input
    slope: Tensor | None  # f′(z_l) of a hidden layer (see _Pointwise); None for the output layer


def _forward(
    layers: _Layers,
    activation: _Pointwise,
    start: int,
    stop: int,
    h: Tensor,
    keep: bool,
    measure: Callable[[int, Tensor, Tensor], None] | None = None,
) -> tuple[list[_Step], Tensor]:
    """Layers ``start``..``stop − 1`` (0-based) from their input ``h``: their ``_Step`` if
    ``keep`` (else nothing is held), and the output. ``measure(layer, h, f′)`` sees each
    hidden layer as it goes by."""
    steps = []
    for index in range(start, stop):
        layer = layers[index]
        z = F.linear(h, layer.weight, layer.bias)
        slope = None
        if index < len(layers) - 1:
            z, slope = activation(z)
            if measure is not None:
                measure(index + 1, z, activation.unit_slope(slope))
        if keep:
            steps.append(_Step(layer, h, slope))
        h = z
    return steps, h


def segment_length(
    depth: int, width: int, batch_size: int, keep_bytes: int, matrices: int = 1
) -> int:
    """Weight layers per recomputed segment of the probe (``depth`` when all fit in memory).

    Holding a layer for the backward pass costs its weights, its input and its slopes in
    float64 (a gated layer: ``matrices`` = 2 weight matrices and two slopes per unit). When
    ``depth`` of them exceed ``keep_bytes``, only every k-th layer's input is kept (a
    checkpoint) and each segment of k layers is drawn and run again when the backward pass
    reaches it; k = √(depth · checkpoint / layer) makes checkpoints and one segment about
    equal, which minimises their sum.
    """
    per_layer = 8 * (matrices * width * width + (1 + matrices) * batch_size * width)
    if depth * per_layer <= keep_bytes:
        return depth
    checkpoint = 8 * batch_size * width
    return max(1, min(depth, round(math.sqrt(depth * checkpoint / per_layer))))


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
    """Build the net, run one MNIST batch with cross-entropy, backpropagate, measure.

    The same numbers as autograd through ``build_mlp(...)``, by the chain rule written out
    (δ_l = f′(z_l) ⊙ δ_(l+1) W_(l+1), ∂L/∂W_l = δ_lᵀ h_(l−1); a gated layer's W and V as one
    stacked matrix, see ``_Pointwise``), keeping only what the result needs: each layer is
    measured as it goes by, weights are drawn again instead of held, and deep wide nets keep
    only checkpoints (``segment_length``). Peak memory at 50 × 512: see
    ``actlab.budget.PROBE_KEEP_BYTES``.
    """
    sizes, std, seed, params = _checked_network(activation, depth, width, init, seed, std, params)
    matrices = matrices_per_layer(activation)
    layers = _Layers(sizes, init, seed, std, matrices)
    function = _Pointwise(activation, params)
    name = display_name(activation)
    x, y = mnist_batch(batch_size, seed)
    span = segment_length(depth, sizes[1], batch_size, budget.PROBE_KEEP_BYTES, matrices)
    starts = range(0, depth, span)
    stats, histograms = [], []

    def measure(index: int, values: Tensor, slopes: Tensor) -> None:
        stats.append(
            {
                "activation": name,
                "layer": index,
                "mean": float(values.mean()),
                "std": float(values.std(correction=0)),
                "saturated": float((slopes < SATURATED_SLOPE).sum()) / slopes.numel(),
                "zero": float((values == 0).sum()) / values.numel(),
            }
        )
        histograms.append((index, "activation", histogram_bins(values)))

    with torch.no_grad():
        checkpoints, h = [], x
        for start in starts:
            checkpoints.append(h)
            last = start == starts[-1]
            steps, h = _forward(layers, function, start, min(start + span, depth), h, last, measure)
        logits = h.requires_grad_(True)
        with torch.enable_grad():
            loss = F.cross_entropy(logits, y)
            if not bool(torch.isfinite(loss)):
                # float64 throughout: a typed formula (log of a negative value) or a deep
                # gated net, whose layers square their input's scale, gets here.
                raise Refusal(
                    GATED_OVERFLOW
                    if is_gated(activation)
                    else N_("{name} makes the loss {loss} at depth {depth}: no gradients"),
                    name=name,
                    loss=loss.item(),
                    depth=depth,
                )
            (upstream,) = torch.autograd.grad(loss, logits)  # ∂L/∂z_L
        norms, gradient_histograms = [], []
        for start, inputs in zip(reversed(starts), reversed(checkpoints), strict=True):
            if start != starts[-1]:
                stop = min(start + span, depth)
                steps, _ = _forward(layers, function, start, stop, inputs, keep=True)
            for index in reversed(range(start, start + len(steps))):
                step = steps.pop()
                delta = upstream if step.slope is None else function.delta(step.slope, upstream)
                grad = delta.T @ step.inputs  # ∂L/∂W_l
                norms.append(
                    {
                        "activation": name,
                        "layer": index + 1,
                        "norm": float(grad.norm()),
                        "signal_norm": float(delta.norm()),
                        "bias_norm": float(delta.sum(0).norm()),
                        "zero_share": float((grad == 0).sum()) / grad.numel(),
                        "shape": _shape_text(step, matrices),
                    }
                )
                if index > 0:
                    upstream = delta @ step.layer.weight  # δ_l W_l, times f′ one layer down
                log_grad = grad.abs_().log10_()
                gradient_histograms.append(
                    (index + 1, "log10 |weight gradient|", histogram_bins(log_grad))
                )
                del step, grad, delta, log_grad
    return GradientProbe(
        activation=name,
        loss=float(loss.detach()),
        norms=pd.DataFrame(norms[::-1]),
        stats=pd.DataFrame(stats),
        histograms=_histogram_table(name, histograms + gradient_histograms[::-1]),
        units=sizes[1],
        parameters=parameter_count(activation, depth, width),
        parameter_gap=parameter_gap(activation, depth, width),
    )


def _shape_text(step: _Step, matrices: int) -> str:
    """``128×784``, or ``2×(85×784)`` for a gated layer's W and V."""
    rows, columns = step.layer.out_features, step.layer.in_features
    if step.slope is None or matrices == 1:
        return f"{rows}×{columns}"
    return f"{matrices}×({rows // matrices}×{columns})"


# Per-layer CPU cost of ``probe`` on one core of the 2-core reference VM, batch 256: a least-
# squares fit (relative error, within ±26 %) to 80 measured probes of Mish, the costliest
# catalogue function (every init, depth 10 and 50, width 8 to 512). Fixed work per layer, work
# per unit (elementwise, activation histograms), per weight (GEMMs, drawing the weights twice,
# gradient histograms); orthogonal init adds a QR decomposition per draw.
PROBE_LAYER_SECONDS = 2.5e-3
PROBE_UNIT_SECONDS = 2.7e-5
PROBE_WEIGHT_SECONDS = {init: 2.2e-7 for init in INITS} | {"orthogonal": 5.7e-7}


@lru_cache(maxsize=64)
def elementwise_seconds(activation: str) -> float:
    """Measured seconds per value of f and f′ as the probe computes them (autograd).

    Best of three runs over 16,384 values: below torch's parallel grain, so one thread, and the
    wall time of the best run is its CPU time. ~1-2 ms for a typed formula of 500 characters.
    """
    function = activations.module(activation)
    z = torch.linspace(-4.0, 4.0, 16_384, dtype=torch.float64)
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        _value_and_slope(function, z)
        best = min(best, time.perf_counter() - started)
    return best / z.numel()


def probe_seconds(
    depth: int,
    width: int,
    init: str = "pytorch_default",
    batch_size: int = 256,
    activation: str | None = None,
) -> float:
    """Estimated CPU-seconds of one ``probe`` (measured: 3.8 s at 50 × 512, 8.7 s orthogonal).

    The fit holds for every catalogue function (Mish is the costliest). A typed formula can
    cost far more per value (500 characters of erf, sin, exp: 13.4 s at 50 × 512): its f and
    f′ are timed once (``elementwise_seconds``) and what they cost beyond Mish is added 2.5
    times per layer (the forward pass, the recomputed segment, and larger tensors than the
    timed ones: 13.9 s estimated for that formula). Larger batches scale the per-unit and
    per-weight work; smaller ones are not credited. A gated unit's layer is costed as two
    layers' matrices and pre-activations at its matched width (``hidden_width``) and twice
    the fixed work (two draws per layer).
    """
    depth = validate.integer("depth", depth, MIN_DEPTH, MAX_DEPTH)
    width = validate.integer("width", width, MIN_WIDTH, MAX_WIDTH)
    batch_size = validate.integer("batch size", batch_size, 1, MAX_BATCH)
    init = validate.choice("init", init, INITS)
    scale = max(1.0, batch_size / 256)
    matrices = 1
    if activation is not None and is_gated(activation):
        matrices = matrices_per_layer(activation)
        width = hidden_width(activation, depth, width)
    per_layer = matrices * (PROBE_UNIT_SECONDS * width + PROBE_WEIGHT_SECONDS[init] * width**2)
    seconds = depth * (matrices * PROBE_LAYER_SECONDS + scale * per_layer)
    if activation is not None and activations.is_custom(activation):
        extra = max(0.0, elementwise_seconds(activation) - elementwise_seconds("mish"))
        seconds += 2.5 * depth * batch_size * width * extra
    return seconds


def check_probe_budget(
    chosen: Sequence[str],
    depth: int,
    width: int,
    init: str = "pytorch_default",
    batch_size: int = 256,
    limit: float = budget.PROBE_SECONDS_PER_REQUEST,
) -> None:
    """A ``ValueError`` naming the cap when probing every ``chosen`` activation would cost
    more than ``limit`` estimated CPU-seconds (``actlab.budget``): one page view probes them
    all, and on a shared server no view may take longer."""
    costs = sorted(probe_seconds(depth, width, init, batch_size, a) for a in chosen)
    total = sum(costs)
    if total <= limit:
        return
    allowed = sum(1 for spent in itertools.accumulate(costs) if spent <= limit)
    size = {"depth": depth, "width": width}
    fits = (
        Message(
            N_("at depth {depth} and width {width} that is at most {allowed} of them"),
            {**size, "allowed": allowed},
        )
        if allowed
        else Message(N_("not even one of them fits at depth {depth} and width {width}"), size)
    )
    raise Refusal(
        N_(
            "{activations} × depth {depth} × width {width} ({init} init) is about {total} "
            "CPU-seconds of work, over this server's cap of {limit} CPU-seconds per view: "
            "{fits}. Choose fewer activations, a smaller depth or a smaller width."
        ),
        activations=counted("{count} activation", "{count} activations", len(costs)),
        init=Message(INIT_LABELS[init]),
        total=f"{total:.0f}",
        limit=f"{limit:g}",
        fits=fits,
        **size,
    )


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


# --- several activations side by side ---------------------------------------------------------


@dataclass(frozen=True)
class ProbeComparison:
    """Probes of several activations at one depth, width and init, as the lesson shows them.

    ``norms``, ``stats`` and ``histograms``: every probe's tables stacked (see
    ``GradientProbe``). ``reference``: Sigmoid's ``sigmoid_bound`` on ``measure`` (``layer``,
    ``bound``), ``None`` without Sigmoid or when not asked for. ``table``: ``norms`` with the
    reference as a ``sigmoid_reference`` column (the CSV). ``left_out``: norms exactly 0 or not
    finite, which a log axis cannot show. ``first_last``: per activation the first and last
    layer's weight-gradient norm, their ratio, the loss, the hidden units per layer, the
    parameters and their gap to the plain net (a gated net's matched size). ``unmatched``: the
    gated units more than ``MAX_RELATIVE_MISMATCH`` (1 %) off the plain net's parameter count
    (narrow nets, where whole units cannot match closer).
    """

    measure: str
    norms: pd.DataFrame
    reference: pd.DataFrame | None
    table: pd.DataFrame
    left_out: int
    first_last: pd.DataFrame
    unmatched: list[str]
    stats: pd.DataFrame
    histograms: pd.DataFrame

    def histogram(self, layer: int, quantity: str) -> pd.DataFrame:
        """The bins of one layer's ``quantity`` (``HISTOGRAM_QUANTITIES``), every activation."""
        bins = self.histograms
        return bins[(bins["layer"] == layer) & (bins["quantity"] == quantity)]


def compare(
    probes: Sequence[GradientProbe], measure: str = "norm", reference: bool = True
) -> ProbeComparison:
    """``probes`` side by side; ``reference`` adds Sigmoid's 0.25^(L − l) line when it is there."""
    measure = validate.choice("measure", measure, MEASURES)
    if not probes:
        raise Refusal(N_("choose at least one activation"))
    norms = pd.concat([p.norms for p in probes], ignore_index=True)
    sigmoid = activations.display_name("sigmoid")
    anchor = next((p for p in probes if p.activation == sigmoid), None)
    line = sigmoid_bound(anchor.norms, measure) if anchor is not None and reference else None
    table = norms
    if line is not None:
        named = line.rename(columns={"bound": "sigmoid_reference"})
        table = norms.merge(named, on="layer", how="left")
    values = norms[measure]
    first_last = pd.DataFrame(
        {
            "activation": [p.activation for p in probes],
            "first layer": [p.norms["norm"].iloc[0] for p in probes],
            "last layer": [p.norms["norm"].iloc[-1] for p in probes],
            "loss": [p.loss for p in probes],
        }
    )
    first_last["first / last"] = first_last["first layer"] / first_last["last layer"]
    first_last["hidden units"] = [p.units for p in probes]
    first_last["parameters"] = [p.parameters for p in probes]
    first_last["vs plain"] = [p.parameter_gap for p in probes]
    return ProbeComparison(
        measure=measure,
        norms=norms,
        reference=line,
        table=table,
        left_out=int((~((values > 0) & np.isfinite(values))).sum()),
        first_last=first_last,
        unmatched=[p.activation for p in probes if abs(p.parameter_gap) > MAX_RELATIVE_MISMATCH],
        stats=pd.concat([p.stats for p in probes], ignore_index=True),
        histograms=pd.concat([p.histograms for p in probes], ignore_index=True),
    )


def histogram_layers(depth: int, quantity: str) -> int:
    """How many layers have a histogram of ``quantity``: the ``depth − 1`` hidden layers'
    activations, or all ``depth`` weight layers' gradients."""
    depth = validate.integer("depth", depth, MIN_DEPTH, MAX_DEPTH)
    quantity = validate.choice("quantity", quantity, HISTOGRAM_QUANTITIES)
    return depth - 1 if quantity == "activation" else depth
