"""Gated linear units: two inputs, g(a, b) = φ(a) · b, shown as the two-input functions they are.

In a network both inputs come from the same vector through different weights, a = xW and
b = xV, and the FFN block is ``w2(φ(w1 x) * (w3 x))`` (LLaMA's SwiGLU). A single-input plot of
"SwiGLU" is therefore always some slice of g: on the diagonal a = b, GLU is SiLU, ReGLU is
relu(x)², SwiGLU is x²σ(x); the gate φ alone (SiLU for SwiGLU) is the slice b = 1. Everything
here is float64 and uses the catalogue's φ and its hand-written φ′, so ∂g/∂a = φ′(a)·b and
∂g/∂b = φ(a) are closed forms too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from actlab import activations, validate
from actlab.i18n import N_, Refusal, _

MAX_EXTENT = 10.0  # the plane is [-extent, extent]² at most
MIN_EXTENT = 0.5
MAX_POINTS = 121  # per axis: 14,641 cells, ~0.6 MB as a table
MIN_POINTS = 11
SLICE_POINTS = 401
CONTOUR_LEVELS = 9  # at most, nice numbers inside the range of g


@dataclass(frozen=True)
class GatedUnit:
    """One gated unit: g(a, b) = φ(a) · b with φ a catalogue activation."""

    id: str
    display_name: str
    gate: str  # catalogue id of φ
    gate_latex: str  # φ(a) in LaTeX
    diagonal_latex: str  # g(x, x) in closed form
    diagonal_same_as: str  # what g(x, x) is, in words
    origin: str
    used_in: str


UNITS: tuple[GatedUnit, ...] = (
    GatedUnit(
        id="glu",
        display_name="GLU",
        gate="sigmoid",
        gate_latex=r"\sigma(a)",
        diagonal_latex=r"x\,\sigma(x)",
        diagonal_same_as=N_("SiLU (Swish with β = 1), exactly"),
        origin=(
            "Dauphin, Fan, Auli & Grangier, 2017 (Language Modeling with Gated Convolutional "
            "Networks, ICML; arXiv 1612.08083)"
        ),
        used_in=N_("gated CNN language models; the sigmoid gate of LSTMs, without the recurrence"),
    ),
    GatedUnit(
        id="reglu",
        display_name="ReGLU",
        gate="relu",
        gate_latex=r"\max(0, a)",
        diagonal_latex=r"\max(0, x)\,x = \max(0, x)^2",
        diagonal_same_as=N_("Squared ReLU: x² for x > 0, 0 for x ≤ 0"),
        origin="Shazeer, 2020 (GLU Variants Improve Transformer, arXiv 2002.05202)",
        used_in=N_("Shazeer's T5 FFN experiments"),
    ),
    GatedUnit(
        id="geglu",
        display_name="GEGLU",
        gate="gelu",
        gate_latex=r"\operatorname{GELU}(a) = a\,\Phi(a)",
        diagonal_latex=r"x^2\,\Phi(x)",
        diagonal_same_as=N_("x·GELU(x) = x²Φ(x)"),
        origin="Shazeer, 2020 (GLU Variants Improve Transformer, arXiv 2002.05202)",
        used_in=N_("T5 v1.1 and Gemma FFNs"),
    ),
    GatedUnit(
        id="swiglu",
        display_name="SwiGLU",
        gate="silu",
        gate_latex=r"\operatorname{SiLU}(a) = a\,\sigma(a)",
        diagonal_latex=r"x^2\,\sigma(x)",
        diagonal_same_as=N_("x·SiLU(x) = x²σ(x), not SiLU"),
        origin="Shazeer, 2020 (GLU Variants Improve Transformer, arXiv 2002.05202)",
        used_in=N_("PaLM and LLaMA FFNs: w2(silu(w1 x) * w3 x), hidden width 2/3 of 4d"),
    ),
)
_BY_ID = {unit.id: unit for unit in UNITS}
FORMULA_LATEX = r"g(a, b) = \varphi(a)\cdot b,\qquad a = xW,\ b = xV"
PARTIALS_LATEX = (
    r"\frac{\partial g}{\partial a} = \varphi'(a)\,b,\qquad "
    r"\frac{\partial g}{\partial b} = \varphi(a)"
)
FFN_LATEX = (
    r"\operatorname{FFN}(x) = \big(\varphi(xW) \odot xV\big)\,W_2"
    r"\qquad\text{(plain: } \varphi(xW_1)\,W_2\text{)}"
)


def names() -> list[str]:
    """Gated unit ids in display order."""
    return [unit.id for unit in UNITS]


def is_gated(name: object) -> bool:
    return isinstance(name, str) and name in _BY_ID


def get(name: str) -> GatedUnit:
    if not is_gated(name):
        raise Refusal(
            N_("unknown gated unit {name}; expected one of: {names}"),
            name=repr(name),
            names=", ".join(names()),
        )
    return _BY_ID[name]


def display_name(name: str) -> str:
    return get(name).display_name


def by_display_name(label: str) -> str | None:
    """The id of a gated unit from its display name (``SwiGLU`` → ``swiglu``), else ``None``."""
    return next((unit.id for unit in UNITS if unit.display_name == label), None)


def gate(name: str) -> activations.Activation:
    return activations.get(get(name).gate)


def value(name: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """g(a, b) = φ(a) · b, differentiable, any dtype (a and b broadcast)."""
    return gate(name).forward(a, {}) * b


def partials(name: str, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(∂g/∂a, ∂g/∂b) = (φ′(a)·b, φ(a))`` from the catalogue's hand-written φ′."""
    phi = gate(name)
    return phi.derivative(a, {}) * b, phi.forward(a, {}) * torch.ones_like(b)


def _nice_levels(low: float, high: float, count: int = CONTOUR_LEVELS) -> list[float]:
    """Round contour values strictly inside (low, high), 0 always among them when inside."""
    if not high > low:
        return []
    raw = (high - low) / (count + 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) + 1
    levels = [k * step for k in range(first, math.ceil(high / step))]
    return [round(level, 12) for level in levels if low < level < high]


def contour_segments(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: list[float]
) -> pd.DataFrame:
    """Marching squares: the segments of each level line of ``z[j, i]`` over ``(xs[i], ys[j])``.

    Columns ``level, a, b, a2, b2``; each row one straight piece inside one grid cell, its ends
    linearly interpolated on the cell's edges (a saddle cell is split one fixed way).
    """
    # Cell corners counter-clockwise: (i, j), (i+1, j), (i+1, j+1), (i, j+1); edge k joins
    # corner k to corner k+1.
    values = [z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]]
    cx = [xs[None, :-1], xs[None, 1:], xs[None, 1:], xs[None, :-1]]
    cy = [ys[:-1, None], ys[:-1, None], ys[1:, None], ys[1:, None]]
    shape = values[0].shape
    pieces = []
    for level in levels:
        crosses, px, py = [], [], []
        for k in range(4):
            z0, z1 = values[k], values[(k + 1) % 4]
            crossed = (z0 > level) != (z1 > level)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(crossed, (level - z0) / (z1 - z0), 0.0)
            x0, x1 = np.broadcast_to(cx[k], shape), np.broadcast_to(cx[(k + 1) % 4], shape)
            y0, y1 = np.broadcast_to(cy[k], shape), np.broadcast_to(cy[(k + 1) % 4], shape)
            crosses.append(crossed)
            px.append(x0 + t * (x1 - x0))
            py.append(y0 + t * (y1 - y0))
        cross = np.stack(crosses)  # [4, J, I]
        px_, py_ = np.stack(px), np.stack(py)
        count = cross.sum(axis=0)
        first = cross.argmax(axis=0)
        last = 3 - cross[::-1].argmax(axis=0)
        pairs = [(count == 2, first, last)]
        pairs += [(count == 4, np.full(shape, 0), np.full(shape, 1))]
        pairs += [(count == 4, np.full(shape, 2), np.full(shape, 3))]
        for mask, e0, e1 in pairs:
            j, i = np.nonzero(mask)
            if len(j) == 0:
                continue
            pieces.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "a": px_[e0[j, i], j, i],
                        "b": py_[e0[j, i], j, i],
                        "a2": px_[e1[j, i], j, i],
                        "b2": py_[e1[j, i], j, i],
                    }
                )
            )
    columns = ["level", "a", "b", "a2", "b2"]
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns)


def one_input_mistake(name: str) -> str:
    """Why one curve cannot be "the" plot of this unit, and which curve a one-input plot shows."""
    unit = get(name)
    phi = gate(name).display_name
    text = _(
        "{unit} has two inputs, a = xW and b = xV, made from the same x by two different "
        "weight matrices, so it is a surface, not a curve. A plot over one x has to pick a line "
        "through the (a, b) plane: on the diagonal a = b it is {diagonal}; on the line b = 1 "
        "it is the gate {gate} alone."
    ).format(unit=unit.display_name, diagonal=_(unit.diagonal_same_as), gate=phi)
    if name == "swiglu":
        text += _(
            " Plotting “SwiGLU” as x·sigmoid(x) draws SiLU, the gate only, and misses that "
            "the output grows with b, linearly and with either sign."
        )
    return text


@dataclass(frozen=True)
class GatedView:
    """Everything the gated lesson draws for one unit.

    ``plane``: one row per grid cell centre ``a, b, g, dg_da, dg_db``. ``contours``: level
    segments of each of the three fields (column ``field``). ``slice_a``: g along b at a = a0
    (a line of slope φ(a0)); ``slice_b``: g along a at b = b0 (the gate's shape scaled by b0).
    ``diagonal``: series on a = b (``series, x, y``): g(x, x), the gate φ(x) alone, and what a
    one-input plot usually shows.
    """

    unit: GatedUnit
    a0: float
    b0: float
    extent: float
    plane: pd.DataFrame
    contours: pd.DataFrame
    slice_a: pd.DataFrame
    slice_b: pd.DataFrame
    diagonal: pd.DataFrame
    diagonal_check: float  # max |g(x, x) − closed form| on the diagonal (float64)


FIELDS = {  # formulas: the same in every language
    "g": "g(a, b) = φ(a)·b",
    "dg_da": "∂g/∂a = φ′(a)·b",
    "dg_db": "∂g/∂b = φ(a)",
}


def _diagonal_reference(name: str, x: np.ndarray) -> np.ndarray:
    """g(x, x) in closed form with numpy and math only (independent of torch)."""
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    if name == "glu":
        return x * sigmoid
    if name == "reglu":
        return np.maximum(x, 0.0) ** 2
    if name == "geglu":
        return x * x * 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    return x * x * sigmoid


def gated_view(
    name: str, a0: float = 1.0, b0: float = 1.0, extent: float = 4.0, points: int = 81
) -> GatedView:
    """Plane, contours, two slices and the diagonal of unit ``name`` on [-extent, extent]²."""
    unit = get(name)
    extent = validate.number("extent", extent, MIN_EXTENT, MAX_EXTENT)
    points = validate.integer("points", points, MIN_POINTS, MAX_POINTS)
    a0 = validate.number("a0", a0, -MAX_EXTENT, MAX_EXTENT)
    b0 = validate.number("b0", b0, -MAX_EXTENT, MAX_EXTENT)
    axis = torch.linspace(-extent, extent, points, dtype=torch.float64)
    b_grid, a_grid = torch.meshgrid(axis, axis, indexing="ij")  # [b, a]
    g = value(name, a_grid, b_grid)
    dg_da, dg_db = partials(name, a_grid, b_grid)
    plane = pd.DataFrame(
        {
            "a": a_grid.reshape(-1).numpy(),
            "b": b_grid.reshape(-1).numpy(),
            "g": g.reshape(-1).numpy(),
            "dg_da": dg_da.reshape(-1).numpy(),
            "dg_db": dg_db.reshape(-1).numpy(),
        }
    )
    xs = axis.numpy()
    pieces = []
    for field, grid in (("g", g), ("dg_da", dg_da), ("dg_db", dg_db)):
        z = grid.numpy()
        segments = contour_segments(xs, xs, z, _nice_levels(float(z.min()), float(z.max())))
        pieces.append(segments.assign(field=field))
    contours = pd.concat(pieces, ignore_index=True)

    line = torch.linspace(-extent, extent, SLICE_POINTS, dtype=torch.float64)
    a_fixed = torch.full_like(line, a0)
    b_fixed = torch.full_like(line, b0)
    da_a, db_a = partials(name, a_fixed, line)
    slice_a = pd.DataFrame(
        {"b": line.numpy(), "g": value(name, a_fixed, line).numpy(), "dg_db": db_a.numpy()}
    )
    da_b, _db_b = partials(name, line, b_fixed)
    slice_b = pd.DataFrame(
        {"a": line.numpy(), "g": value(name, line, b_fixed).numpy(), "dg_da": da_b.numpy()}
    )
    del da_a

    x = line.numpy()
    on_diagonal = value(name, line, line).numpy()
    phi = gate(name)
    series = {
        # "<name> · …": the palette styles a series by the name before " · ".
        _("{unit} · on a = b").format(unit=unit.display_name): on_diagonal,
        _("{gate} · the gate φ alone, b = 1").format(gate=phi.display_name): phi.forward(
            line, {}
        ).numpy(),
    }
    diagonal = pd.concat(
        [pd.DataFrame({"series": label, "x": x, "y": y}) for label, y in series.items()],
        ignore_index=True,
    )
    check = float(np.abs(on_diagonal - _diagonal_reference(name, x)).max())
    return GatedView(unit, a0, b0, extent, plane, contours, slice_a, slice_b, diagonal, check)


def parameters_plain(d_in: int, hidden: int, d_out: int) -> int:
    """Weights and biases of the plain block d_in → hidden → d_out."""
    return d_in * hidden + hidden + hidden * d_out + d_out


def parameters_gated(d_in: int, hidden: int, d_out: int) -> int:
    """Weights and biases of the gated block: W and V (d_in → hidden each), then W2."""
    return 2 * (d_in * hidden + hidden) + hidden * d_out + d_out
