"""Why nonlinearity: stacked linear layers collapse to one affine map; ReLU layers do not.

Conventions follow ``torch.nn.Linear``: a layer is ``(W, b)`` with ``W`` of shape
``[out, in]`` and ``y = W x + b``. Everything exact is done in float64; the networks a student
plays with are ordinary float32 ``nn.Sequential`` models, so their disagreement with the
collapsed map is float32 rounding (about 1e-7), not mathematics.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from actlab import activations, validate
from actlab.i18n import N_, Refusal, _, ngettext

Number = int | float
Layer = tuple[object, object]  # (W, b): scalars, nested lists, numpy arrays or tensors
# The catalogue's identity f(x) = x: put between linear layers it is the same as no activation,
# which is how this lesson builds its linear stacks (same modules, same seeded weights).
IDENTITY = "identity"
MAX_LAYERS = 12
MAX_WIDTH = 256
COMPARISON_ACTIVATIONS = (IDENTITY, "relu", "sigmoid", "tanh", "leaky_relu")


# --- collapse --------------------------------------------------------------------------------


def _as_matrix(value: object, what: str) -> tuple[torch.Tensor, bool]:
    """A float64 2-D tensor and whether the value was a plain scalar.

    Its errors, like ``collapse``'s, are in English only: the page gives slider numbers and
    layers it built, so they reach a script's author, never a visitor."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().to(torch.float64)
    else:
        try:
            tensor = torch.as_tensor(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            # internal: see the docstring
            raise ValueError(f"{what} must be numbers, got {value!r}") from None
    scalar = tensor.ndim == 0
    if tensor.ndim > 2:
        raise ValueError(  # internal: see the docstring
            f"{what} must be a scalar, vector or matrix, got shape {tuple(tensor.shape)}"
        )
    if not bool(torch.isfinite(tensor).all()):
        # internal: see the docstring
        raise ValueError(f"{what} must be finite, got {tensor.tolist()!r}")
    return tensor, scalar


def collapse(layers: Sequence[Layer]) -> tuple[object, object]:
    """The single affine layer ``(W_eff, b_eff)`` equal to a stack of linear layers.

    ``W_k(…(W_2(W_1 x + b_1) + b_2)…) + b_k = (W_k⋯W_1) x + (W_k⋯W_2 b_1 + … + b_k)``.
    Scalar layers give Python floats (``collapse([(3, 1), (2, 2)]) == (6.0, 4.0)``); otherwise
    float64 tensors of shapes ``[out, in]`` and ``[out]``. Raises ``ValueError`` naming the
    layer whose shapes do not chain.
    """
    if len(layers) == 0:
        raise ValueError("collapse needs at least one layer (W, b)")  # internal: see _as_matrix
    w_eff: torch.Tensor | None = None
    b_eff: torch.Tensor | None = None
    all_scalar = True
    for index, layer in enumerate(layers, start=1):
        try:
            weight_raw, bias_raw = layer
        except (TypeError, ValueError):
            # internal: see _as_matrix
            raise ValueError(f"layer {index} must be a pair (W, b), got {layer!r}") from None
        weight, w_scalar = _as_matrix(weight_raw, f"layer {index} W")
        bias, b_scalar = _as_matrix(bias_raw, f"layer {index} b")
        all_scalar = all_scalar and w_scalar and b_scalar
        weight = weight.reshape(1, 1) if weight.ndim == 0 else weight
        weight = weight.reshape(-1, 1) if weight.ndim == 1 else weight
        bias = bias.reshape(-1)
        if bias.numel() == 1 and weight.shape[0] > 1:
            bias = bias.expand(weight.shape[0])
        if bias.numel() != weight.shape[0]:
            raise ValueError(  # internal: see _as_matrix
                f"layer {index}: b has {bias.numel()} entries but W has {weight.shape[0]} rows"
            )
        if w_eff is None or b_eff is None:
            w_eff, b_eff = weight.clone(), bias.clone()
            continue
        if weight.shape[1] != w_eff.shape[0]:
            raise ValueError(  # internal: see _as_matrix
                f"layer {index}: W takes {weight.shape[1]} inputs but layer {index - 1} "
                f"gives {w_eff.shape[0]} outputs"
            )
        w_eff, b_eff = weight @ w_eff, weight @ b_eff + bias
    assert w_eff is not None and b_eff is not None
    if all_scalar:
        return float(w_eff.item()), float(b_eff.item())
    return w_eff, b_eff


def weight_bias_pairs(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The ``(W, b)`` of every ``nn.Linear`` in ``model``, in order (detached, float64)."""
    return [
        (m.weight.detach().double(), m.bias.detach().double())
        for m in model.modules()
        if isinstance(m, nn.Linear)
    ]


# --- random stacks ----------------------------------------------------------------------------


def parse_widths(text: str) -> tuple[int, ...]:
    """``"4, 16, 16, 2"`` → ``(4, 16, 16, 2)``: input size, hidden sizes, output size."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise Refusal(
            N_("widths must be whole numbers separated by commas, got {text}"), text=repr(text)
        ) from None
    check_widths(widths)
    return widths


def check_widths(widths: Sequence[int]) -> None:
    """``ValueError`` unless ``widths`` is an input size, hidden sizes and an output size: at
    most ``MAX_LAYERS`` layers, every width 1 to ``MAX_WIDTH``."""
    validate.integer("the number of widths (an input and an output size)", len(widths), low=2)
    validate.integer("the number of layers", len(widths) - 1, high=MAX_LAYERS)
    for width in widths:
        validate.integer("every width", width, 1, MAX_WIDTH)


def random_stack(
    widths: Sequence[int],
    seed: int,
    activation: str = IDENTITY,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """``nn.Linear`` layers of the given widths (torch's default init, seeded), with
    ``activation`` between consecutive layers (none after the last)."""
    check_widths(widths)
    activations.get(activation)  # a clear error for an unknown name before building anything
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        modules: list[nn.Module] = []
        for index, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
            if index > 0:
                modules.append(activations.module(activation))
            modules.append(nn.Linear(n_in, n_out, dtype=dtype))
    return nn.Sequential(*modules)


def probe_inputs(n_inputs: int, points: int = 2048, seed: int = 0) -> torch.Tensor:
    """Standard-normal inputs ``[points, n_inputs]`` (float64) on which networks are compared."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(points, n_inputs, generator=generator, dtype=torch.float64)


@dataclass(frozen=True)
class CollapseReport:
    """A random linear stack next to its collapsed single layer."""

    widths: tuple[int, ...]
    w_eff: torch.Tensor  # [out, in], float64
    b_eff: torch.Tensor  # [out], float64
    max_abs_error: float  # max |net(x) − (W_eff x + b_eff)| of the float32 net on probe inputs
    output_scale: float  # max |net(x)| on the same inputs, for scale
    rank: int
    min_width: int

    @property
    def formula_latex(self) -> str:
        """``y = W_k(⋯) + b_k = W_eff x + b_eff`` for this many layers, with both under-braced."""
        k = len(self.widths) - 1
        return (
            rf"y = W_{{{k}}}(\cdots W_2(W_1x + b_1) + b_2 \cdots) + b_{{{k}}}"
            rf" = \underbrace{{W_{{{k}}}\cdots W_1}}_{{W_\text{{eff}}}}\, x"
            rf" + \underbrace{{\textstyle\sum_{{i=1}}^{{{k}}} W_{{{k}}}\cdots W_{{i+1}} b_i}}"
            rf"_{{b_\text{{eff}}}}"
        )

    @property
    def table(self) -> pd.DataFrame:
        """``W_eff`` with rows ``y1…`` and columns ``x1…``, and ``b_eff`` as a last column."""
        outputs, inputs = self.w_eff.shape
        matrix = pd.DataFrame(
            self.w_eff.numpy(),
            columns=[f"x{j + 1}" for j in range(inputs)],
            index=[f"y{i + 1}" for i in range(outputs)],
        )
        return matrix.assign(b_eff=self.b_eff.numpy())


def collapse_report(widths: Sequence[int], seed: int) -> CollapseReport:
    """Build a float32 linear stack, collapse it in float64 and measure the disagreement."""
    model = random_stack(widths, seed)
    w_eff, b_eff = collapse(weight_bias_pairs(model))
    x = probe_inputs(widths[0])
    with torch.no_grad():
        net = model(x.float()).double()
    affine = x @ w_eff.T + b_eff
    return CollapseReport(
        widths=tuple(widths),
        w_eff=w_eff,
        b_eff=b_eff,
        max_abs_error=float((net - affine).abs().max()),
        output_scale=float(net.abs().max()),
        rank=int(torch.linalg.matrix_rank(w_eff)),
        min_width=min(widths),
    )


def best_affine_fit(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Least-squares ``(W, b)`` minimising ``‖x Wᵀ + b − y‖²`` (float64); also the prediction."""
    design = torch.cat([x.double(), torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(design, y.double(), driver="gelsd").solution
    return solution, design @ solution


@dataclass(frozen=True)
class AffineFit:
    """How well one affine map explains a stack with each activation in between."""

    table: pd.DataFrame  # per activation: rms, relative and max |residual|
    scatter: pd.DataFrame  # activation, network output, best affine fit (output 1, 300 points)


def affine_fit(widths: Sequence[int], seed: int, names: Sequence[str]) -> AffineFit:
    """The best affine fit of the same stack with no activation, then each of ``names``.

    Every network shares the seed's weights (float64 here, so the linear case shows exact
    arithmetic). The table has per activation the RMS residual and the relative residual
    ``‖y − ŷ‖ / ‖y − ȳ‖`` (0 means affine, 1 means the affine fit explains nothing); the
    scatter, for the chart, output 1 of the network against the fit's prediction on 300 probe
    points. The linear stack (``IDENTITY``) always comes first, once.
    """
    x = probe_inputs(widths[0])
    rows, scatter = [], []
    for name in (IDENTITY, *[n for n in names if n != IDENTITY]):
        model = random_stack(widths, seed, name, dtype=torch.float64)
        with torch.no_grad():
            y = model(x)
        label = activations.display_name(name) if name != IDENTITY else _("none (linear)")
        if not bool(torch.isfinite(y).all()):
            # Only typed formulas can do this (log of a negative pre-activation, say).
            raise Refusal(
                N_("{label} makes the network output NaN or ±inf: no affine fit exists"),
                label=label,
            )
        _coefficients, prediction = best_affine_fit(x, y)
        residual = y - prediction
        spread = y - y.mean(dim=0)
        rows.append(
            {
                _("activation"): label,
                _("rms residual"): float(residual.pow(2).mean().sqrt()),
                _("relative residual"): float(residual.norm() / spread.norm()),
                _("max |residual|"): float(residual.abs().max()),
            }
        )
        scatter.append(
            pd.DataFrame(
                {
                    "activation": label,
                    "network output": y[:300, 0].numpy(),
                    "best affine fit": prediction[:300, 0].numpy(),
                }
            )
        )
    return AffineFit(pd.DataFrame(rows), pd.concat(scatter, ignore_index=True))


# --- the classic two-layer example ----------------------------------------------------------


def classic_chain(
    w1: float,
    b1: float,
    w2: float,
    b2: float,
    between: str = "relu",
    x_min: float = -2.0,
    x_max: float = 2.0,
    points: int = 401,
) -> pd.DataFrame:
    """``y = w2·(w1 x + b1) + b2``, its collapsed single layer, and the chain with ``between``.

    Long format: columns ``x, y, curve``. The first two curves coincide exactly (same float64
    numbers up to rounding); the third bends where ``w1 x + b1`` crosses the kink.
    """
    x = _grid(x_min, x_max, points)
    w, b = collapse([(w1, b1), (w2, b2)])
    hidden = w1 * x + b1
    curves = {
        _("two linear layers"): w2 * hidden + b2,
        _("one layer: w={w}, b={b}").format(w=f"{w:g}", b=f"{b:g}"): w * x + b,
        _("two layers, {activation} between").format(
            activation=activations.display_name(between)
        ): w2 * activations.apply(between, hidden) + b2,
    }
    return pd.concat(
        [
            pd.DataFrame({"x": x.numpy(), "y": y.numpy(), "curve": name})
            for name, y in curves.items()
        ],
        ignore_index=True,
    )


def _plus(b: float) -> str:
    """`` + 2`` or `` - 3``: a constant term as a student would add it."""
    return f" {'-' if b < 0 else '+'} {abs(b):g}"


def affine_latex(w: float, b: float, variable: str = "x") -> str:
    """``6x + 4``, ``-2x - 0.5``: an affine map as a student would write it."""
    return f"{w:g}{variable}{_plus(b)}"


def classic_latex(w1: float, b1: float, w2: float, b2: float) -> str:
    """The collapse worked out with the user's numbers, e.g. ``2(3x + 1) + 2 = 6x + 4``."""
    w, b = collapse([(w1, b1), (w2, b2)])
    return (
        rf"y_2 = w_2(w_1 x + b_1) + b_2 = {w2:g}\,({affine_latex(w1, b1)}){_plus(b2)}"
        rf" = {affine_latex(w, b)}"
    )


LATEX_TEXT_ESCAPES = {c: "\\" + c for c in "{}_#$%&"} | {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_text(text: str) -> str:
    """``text`` safe inside ``\\text{...}``: a typed formula's name (``my_beta``) is shown as
    typed instead of breaking KaTeX or injecting a command."""
    return "".join(LATEX_TEXT_ESCAPES.get(c, c) for c in text)


def activation_chain_latex(w1: float, b1: float, w2: float, b2: float, between: str) -> str:
    """The same two layers with ``between`` applied to the hidden value, with the numbers."""
    return (
        rf"\text{{with {latex_text(activations.display_name(between))}: }}"
        rf"y = w_2\, f(w_1 x + b_1) + b_2 = {w2:g}\, f({affine_latex(w1, b1)}){_plus(b2)}"
    )


@dataclass(frozen=True)
class ClassicExample:
    """Two scalar layers, their collapsed single layer and the chain with an activation."""

    curves: pd.DataFrame  # ``classic_chain`` rows: x, y, curve
    w_eff: float
    b_eff: float
    collapse_latex: str  # 2(3x + 1) + 2 = 6x + 4
    activation_latex: str  # the same with f between
    between: str  # the activation's display name
    kink: float | None  # where w1 x + b1 = 0 (the activation's input crosses 0); None if w1 = 0


def classic_example(
    w1: float, b1: float, w2: float, b2: float, between: str = "relu"
) -> ClassicExample:
    """Everything section 1 of the lesson shows for the user's four numbers."""
    w_eff, b_eff = collapse([(w1, b1), (w2, b2)])
    return ClassicExample(
        curves=classic_chain(w1, b1, w2, b2, between),
        w_eff=w_eff,
        b_eff=b_eff,
        collapse_latex=classic_latex(w1, b1, w2, b2),
        activation_latex=activation_chain_latex(w1, b1, w2, b2, between),
        between=activations.display_name(between),
        kink=-b1 / w1 if w1 != 0 else None,
    )


def _grid(x_min: float, x_max: float, points: int) -> torch.Tensor:
    if not (math.isfinite(x_min) and math.isfinite(x_max)) or x_min >= x_max:
        # internal: the page's ranges are constants (PIECE_RANGE) or checked sliders
        raise ValueError(f"need a finite interval with x_min < x_max, got [{x_min}, {x_max}]")
    validate.integer("points", points, 2, 100_000)
    return torch.linspace(x_min, x_max, points, dtype=torch.float64)


# --- the seeds' comparison ----------------------------------------------------------------------


def activation_comparison(
    names: Sequence[str] = COMPARISON_ACTIVATIONS,
    hidden: int = 10,
    seed: int = 0,
    x_min: float = -1.0,
    x_max: float = 1.0,
    points: int = 201,
) -> pd.DataFrame:
    """The same ``Linear(1, hidden) → f → Linear(hidden, 1)`` model for each ``f``, overlaid.

    One set of weights (the seed's) serves every activation, so the curves differ only by
    ``f``; with no activation the model is a straight line. Columns ``x, y, activation``.
    """
    x = _grid(x_min, x_max, points).reshape(-1, 1)
    frames = []
    for name in names:
        model = random_stack((1, hidden, 1), seed, name, dtype=torch.float64)
        with torch.no_grad():
            y = model(x).reshape(-1)
        label = _("no activation") if name == IDENTITY else activations.display_name(name)
        frames.append(
            pd.DataFrame({"x": x.reshape(-1).numpy(), "y": y.numpy(), "activation": label})
        )
    return pd.concat(frames, ignore_index=True)


# --- exact linear pieces of 1-D piecewise-linear networks -------------------------------------


@dataclass(frozen=True)
class PiecewiseLinear:
    """A 1-D network written out exactly: on ``[edges[j], edges[j+1]]`` it is ``slope[j]·x +
    intercept[j]`` (one row per output).

    ``edges`` are every point where some hidden unit switches on or off (activation regions);
    ``breakpoints`` only those where the network's output actually bends (linear pieces).
    """

    edges: np.ndarray  # [regions + 1]
    slope: np.ndarray  # [regions, outputs]
    intercept: np.ndarray  # [regions, outputs]
    breakpoints: np.ndarray  # interior x where the output's slope changes

    @property
    def regions(self) -> int:
        return len(self.edges) - 1

    @property
    def pieces(self) -> int:
        return len(self.breakpoints) + 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Evaluate the exact form at ``x`` (inside the interval): ``[len(x), outputs]``."""
        x = np.asarray(x, dtype=np.float64)
        index = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, self.regions - 1)
        return self.slope[index] * x[:, None] + self.intercept[index]


def exact_pieces(
    layers: Sequence[tuple[torch.Tensor, torch.Tensor]],
    x_min: float,
    x_max: float,
    negative_slope: float = 0.0,
) -> PiecewiseLinear:
    """Exact breakpoints of ``Linear → ReLU → … → Linear`` with 1 input, on ``[x_min, x_max]``.

    Every hidden pre-activation is affine in x on each current region, so its zero (``−q/p``)
    is found in closed form; the regions are split there and the ReLU pattern (or LeakyReLU
    with ``negative_slope``) fixed on each new region. No grid is involved.
    """
    if not layers:
        raise ValueError("need at least one layer")  # internal: the page builds the layers
    _grid(x_min, x_max, 2)
    weight0 = torch.as_tensor(layers[0][0])
    if weight0.ndim != 2 or weight0.shape[1] != 1:
        raise ValueError(  # internal: as above
            f"the first layer must take 1 input, got W of shape {tuple(weight0.shape)}"
        )
    edges = np.array([x_min, x_max], dtype=np.float64)
    slope = np.ones((1, 1))  # h(x) = slope·x + intercept on each region, here h = x
    intercept = np.zeros((1, 1))
    tolerance = 1e-12 * (x_max - x_min)
    for index, (weight_t, bias_t) in enumerate(layers):
        weight = np.asarray(torch.as_tensor(weight_t, dtype=torch.float64))
        bias = np.asarray(torch.as_tensor(bias_t, dtype=torch.float64)).reshape(-1)
        p = slope @ weight.T  # [regions, units]
        q = intercept @ weight.T + bias
        if index == len(layers) - 1:
            slope, intercept = p, q
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            zeros = -q / p
        left, right = edges[:-1, None], edges[1:, None]
        inside = (p != 0) & (zeros > left + tolerance) & (zeros < right - tolerance)
        edges = np.unique(np.concatenate([edges, zeros[inside]]))
        middle = (edges[:-1] + edges[1:]) / 2
        parent = np.clip(np.searchsorted(left[:, 0], middle, side="right") - 1, 0, len(p) - 1)
        p, q = p[parent], q[parent]
        factor = np.where(p * middle[:, None] + q > 0, 1.0, negative_slope)
        slope, intercept = p * factor, q * factor
    same = np.isclose(slope[1:], slope[:-1], rtol=1e-9, atol=1e-12) & np.isclose(
        intercept[1:], intercept[:-1], rtol=1e-9, atol=1e-12
    )
    bends = ~same.all(axis=1)
    return PiecewiseLinear(edges, slope, intercept, edges[1:-1][bends])


def random_relu_net(depth: int, width: int, seed: int, activation: str = "relu") -> nn.Sequential:
    """A 1 → width → … → width → 1 network (``depth`` hidden layers), torch's default init."""
    validate.integer("depth", depth, 0, MAX_LAYERS - 1)
    return random_stack((1, *[width] * depth, 1), seed, activation, dtype=torch.float64)


def sawtooth_layers(depth: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A width-2 ReLU net computing the tent map composed ``depth`` times on [0, 1].

    ``t(x) = 2·relu(x) − 4·relu(x − ½)`` has 2 pieces; ``t∘t∘…`` has ``2^depth`` (Telgarsky,
    2016): the most depth can do, against far fewer for random weights.
    """
    validate.integer("depth", depth, low=1)
    spread = torch.tensor([[1.0], [1.0]], dtype=torch.float64)  # both units read the input
    shift = torch.tensor([0.0, -0.5], dtype=torch.float64)
    tent = torch.tensor([[2.0, -4.0]], dtype=torch.float64)  # t = 2 h1 − 4 h2
    first, middle = (spread, shift), (spread @ tent, shift)
    return [first, *[middle] * (depth - 1), (tent, torch.zeros(1, dtype=torch.float64))]


@dataclass(frozen=True)
class PieceCurve:
    """One random ReLU net and the same weights without ReLU, drawn, with exact pieces."""

    curves: pd.DataFrame  # x, y, network (both nets; the ReLU one through every breakpoint)
    relu: PiecewiseLinear
    linear: PiecewiseLinear  # always 1 piece

    @property
    def breakpoints(self) -> pd.DataFrame:
        """The ReLU net's breakpoints as a one-column table ``x``, for the chart's rules."""
        return pd.DataFrame({"x": self.relu.breakpoints})


def piece_curve(
    depth: int, width: int, seed: int, x_min: float = -3.0, x_max: float = 3.0, points: int = 801
) -> PieceCurve:
    """A random ReLU net of ``depth`` hidden layers of ``width`` and the same weights without
    ReLU, drawn on ``[x_min, x_max]``, with both exact decompositions."""
    x = _grid(x_min, x_max, points)
    relu_net = random_relu_net(depth, width, seed)
    linear_net = random_relu_net(depth, width, seed, IDENTITY)
    relu_exact = exact_pieces(weight_bias_pairs(relu_net), x_min, x_max)
    linear_exact = exact_pieces(weight_bias_pairs(linear_net), x_min, x_max, negative_slope=1.0)
    # Draw the curve through its exact breakpoints so every kink is a vertex of the line.
    xs = np.union1d(x.numpy(), relu_exact.breakpoints)
    with torch.no_grad():
        y_relu = relu_net(torch.as_tensor(xs).reshape(-1, 1)).reshape(-1).numpy()
        y_linear = linear_net(torch.as_tensor(xs).reshape(-1, 1)).reshape(-1).numpy()
    relu_label = ngettext("ReLU ({count} piece)", "ReLU ({count} pieces)", relu_exact.pieces)
    relu_label = relu_label.format(count=relu_exact.pieces)
    curves = pd.concat(
        [
            pd.DataFrame({"x": xs, "y": y_relu, "network": relu_label}),
            pd.DataFrame({"x": xs, "y": y_linear, "network": _("no activation (1 piece)")}),
        ],
        ignore_index=True,
    )
    return PieceCurve(curves, relu_exact, linear_exact)


def pieces_table(
    depths: Sequence[int],
    widths: Sequence[int],
    seeds: Sequence[int],
    x_min: float = -3.0,
    x_max: float = 3.0,
) -> pd.DataFrame:
    """Exact piece counts of random ReLU nets per depth and width (mean, min, max over seeds),
    plus the linear nets (1 piece) and the hand-built sawtooth (``2^depth``, width 2).

    ``interval`` says where each count was taken: the random nets on [x_min, x_max], the
    sawtooth on [0, 1], where its teeth are."""
    interval = f"[{x_min:g}, {x_max:g}]"
    rows = []
    for depth in depths:
        for width in widths:
            counts = [
                exact_pieces(
                    weight_bias_pairs(random_relu_net(depth, width, s)), x_min, x_max
                ).pieces
                for s in seeds
            ]
            label = _("ReLU, width {width}").format(width=width)
            rows.append(_piece_row(label, depth, width, counts, interval))
        linear = [
            exact_pieces(
                weight_bias_pairs(random_relu_net(depth, max(widths), s, IDENTITY)),
                x_min,
                x_max,
                negative_slope=1.0,
            ).pieces
            for s in seeds
        ]
        label = _("no activation (any width)")
        rows.append(_piece_row(label, depth, max(widths), linear, interval))
        if depth >= 1:
            saw = exact_pieces(sawtooth_layers(depth), 0.0, 1.0).pieces
            label = _("hand-built sawtooth, width 2")
            rows.append(_piece_row(label, depth, 2, [saw], "[0, 1]"))
    return pd.DataFrame(rows)


def _piece_row(network: str, depth: int, width: int, counts: list[int], interval: str) -> dict:
    return {
        "network": network,
        "interval": interval,
        "depth": depth,
        "width": width,
        "pieces": float(np.mean(counts)),
        "min": int(min(counts)),
        "max": int(max(counts)),
        "hidden units": depth * width,
    }
