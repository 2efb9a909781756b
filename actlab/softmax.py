"""Softmax, log-softmax and the losses built on them: every number of the softmax lesson.

Float64 is the reference precision. The numerics lab deliberately runs the same formulas in
float32, float16 and bfloat16 to show where a textbook formula stops being a program. Functions
return tensors or tidy DataFrames, so the page only draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from actlab import validate
from actlab.i18n import N_, Refusal, _

MIN_LOGITS = 2
MAX_LOGITS = 10
LOGIT_LIMIT = 10.0  # the playground sliders span [-LOGIT_LIMIT, LOGIT_LIMIT]
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -2.0, 3.0, 0.0)
DEFAULT_TEMPERATURES = tuple(float(t) for t in torch.logspace(-1.3, 1.3, 105).tolist())

DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}

# The numerics lab's logits are scale * LAB_DIRECTION + shift: scale 100 gives [100, 0, -5].
LAB_DIRECTION = (1.0, 0.0, -0.05)
LAB_CLASSES = len(LAB_DIRECTION)
LAB_SCALE_MAX = 1000.0
LAB_SHIFT_LIMIT = 1000.0

# The loss curves vary one logit over a grid; beyond ±30 sigmoid rounds to exactly 0 or 1 in
# float64 and the lesson would be about rounding instead of saturation.
CURVE_LOGIT_LIMIT = 30.0
MAX_CURVE_POINTS = 5001


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def validate_logits(logits: Sequence[float] | Tensor) -> Tensor:
    """Logits as a 1-D floating tensor of 2..10 finite values (lists become float64).

    The page's logits come from its sliders, so only the count (a slider the URL sets) is
    refused in the visitor's language; the type, shape and finiteness errors reach scripts."""
    if isinstance(logits, Tensor):
        values = logits if logits.is_floating_point() else logits.to(torch.float64)
    else:
        try:
            values = torch.tensor([float(v) for v in logits], dtype=torch.float64)
        except (TypeError, ValueError) as err:
            # internal: see the docstring
            raise ValueError(f"logits must be a list of numbers, got {logits!r}") from err
    if values.ndim != 1:
        # internal: see the docstring
        raise ValueError(f"logits must be one vector, got shape {tuple(values.shape)}")
    validate.integer("the number of logits", values.numel(), MIN_LOGITS, MAX_LOGITS)
    bad = torch.nonzero(~torch.isfinite(values.detach()))
    if bad.numel():
        position = int(bad[0, 0])
        raise ValueError(  # internal: see the docstring
            f"logits must be finite, got {float(values[position])} at position {position}"
        )
    return values


def validate_temperature(temperature: float) -> float:
    """Temperature divides the logits, so it must be a finite number strictly above zero."""
    return validate.positive("temperature", temperature)


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """A floating dtype of the lab, given as torch dtype or its name ("float16", ...)."""
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    return DTYPES[validate.choice("dtype", dtype, DTYPES)]


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _class_count(classes: int) -> int:
    return validate.integer("number of classes", classes, MIN_LOGITS, MAX_LOGITS)


def _logit_grid(z_min: float, z_max: float, points: int) -> Tensor:
    low = validate.number("z_min", z_min, -CURVE_LOGIT_LIMIT, CURVE_LOGIT_LIMIT)
    high = validate.number("z_max", z_max, -CURVE_LOGIT_LIMIT, CURVE_LOGIT_LIMIT)
    if low >= high:
        raise Refusal(
            N_("z_min must be below z_max, got z_min={low}, z_max={high}"),
            low=repr(z_min),
            high=repr(z_max),
        )
    validate.integer("points", points, 2, MAX_CURVE_POINTS)
    return torch.linspace(low, high, points, dtype=torch.float64)


def _readable_cell(value: object, digits: int | None) -> object:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(_readable_cell(v, digits)) for v in value) + "]"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value) if digits is None else f"{value:.{digits}g}"
    return value


def readable(table: pd.DataFrame, digits: int | None = 6) -> pd.DataFrame:
    """A copy with every float written out as text, "inf", "-inf" and "NaN" included, and
    column names and worded cells (methods, statuses) in the current language.

    For tables whose point is the exact value: ``digits=None`` writes the shortest decimal that
    reads back as the same float, so 88.72283172607422 is shown as the float32 it is.
    """
    shown = table.map(lambda value: localized_text(_readable_cell(value, digits)))
    return shown.rename(columns=lambda column: _(column) if isinstance(column, str) else column)


BROKEN = N_("output {output}, gradient {gradient}")  # a status: which part broke, and how
_BROKEN = re.compile(r"^output (.+), gradient (.+)$")


def localized_text(value: object) -> object:
    """A worded cell or series label (status, method, pair) in the current language; anything
    else as it is."""
    if not isinstance(value, str):
        return value
    broken = _BROKEN.match(value)
    if broken:
        return _(BROKEN).format(output=_(broken[1]), gradient=_(broken[2]))
    return _(value)


# ---------------------------------------------------------------------------------------------
# Softmax playground
# ---------------------------------------------------------------------------------------------


def _softmax_of(z: Tensor, temperature: float) -> Tensor:
    return torch.softmax(z / temperature, dim=-1)


def softmax(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> Tensor:
    """p_i = exp(z_i / T) / sum_j exp(z_j / T); lists are computed in float64."""
    return _softmax_of(validate_logits(logits), validate_temperature(temperature))


def softmax_jacobian(
    logits: Sequence[float] | Tensor, temperature: float = 1.0
) -> tuple[Tensor, Tensor]:
    """The K x K Jacobian dp_i/dz_j twice: by autograd, and by the closed form.

    Closed form: p_i (delta_ij - p_j) / T (the 1/T is the chain rule through z / T).
    Row i holds the gradient of p_i, so every row sums to zero: probabilities sum to one.
    """
    z = validate_logits(logits).detach()
    t = validate_temperature(temperature)
    by_autograd = torch.autograd.functional.jacobian(lambda v: _softmax_of(v, t), z)
    p = _softmax_of(z, t)
    closed_form = (torch.diag(p) - torch.outer(p, p)) / t
    return by_autograd, closed_form


def jacobian_table(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> pd.DataFrame:
    """The Jacobian in long form (one row per entry) for heatmaps: i, j, both values, |diff|."""
    by_autograd, closed_form = softmax_jacobian(logits, temperature)
    size = by_autograd.shape[0]
    rows, columns = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    return pd.DataFrame(
        {
            "i": rows.flatten().numpy(),
            "j": columns.flatten().numpy(),
            N_("autograd"): by_autograd.flatten().double().numpy(),
            N_("closed form"): closed_form.flatten().double().numpy(),
            N_("abs difference"): (by_autograd - closed_form).abs().flatten().double().numpy(),
        }
    )


def jacobian_max_difference(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> float:
    """max |autograd - closed form| over all Jacobian entries."""
    by_autograd, closed_form = softmax_jacobian(logits, temperature)
    return float((by_autograd - closed_form).abs().max())


def probability_table(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> pd.DataFrame:
    """Per class: the logit, z / T, its probability at T and, for reference, at T = 1."""
    z = validate_logits(logits).detach()
    t = validate_temperature(temperature)
    return pd.DataFrame(
        {
            N_("class"): range(z.numel()),
            N_("logit"): z.double().numpy(),
            N_("logit / T"): (z / t).double().numpy(),
            N_("probability"): _softmax_of(z, t).double().numpy(),
            N_("probability at T = 1"): _softmax_of(z, 1.0).double().numpy(),
        }
    )


def entropy_nats(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> float:
    """Shannon entropy of softmax(z / T) in nats: 0 for one-hot, log K for uniform."""
    z = validate_logits(logits).detach()
    log_p = torch.log_softmax(z / validate_temperature(temperature), dim=-1)
    return float(-(log_p.exp() * log_p).sum())


def temperature_sweep(
    logits: Sequence[float] | Tensor, temperatures: Sequence[float] = DEFAULT_TEMPERATURES
) -> pd.DataFrame:
    """Each class's probability as T varies (long form: temperature, class, probability)."""
    z = validate_logits(logits).detach().double()
    if len(temperatures) == 0:
        # internal: the page sweeps DEFAULT_TEMPERATURES
        raise ValueError("temperatures must hold at least one value, got an empty list")
    ts = torch.tensor([validate_temperature(t) for t in temperatures], dtype=torch.float64)
    probabilities = torch.softmax(z[None, :] / ts[:, None], dim=-1)
    classes = z.numel()
    return pd.DataFrame(
        {
            N_("temperature"): ts.repeat_interleave(classes).numpy(),
            N_("class"): list(range(classes)) * len(ts),
            N_("probability"): probabilities.flatten().numpy(),
        }
    )


# ---------------------------------------------------------------------------------------------
# Numerics lab: log-softmax three ways, four dtypes
# ---------------------------------------------------------------------------------------------


def _floating_input(x: Tensor | Sequence[float]) -> Tensor:
    """``x`` as a floating tensor of logits. Its errors are English only: the page builds x
    from its sliders, finite and float64, so only a script's author reads them."""
    values = x if isinstance(x, Tensor) else torch.tensor(x, dtype=torch.float64)
    if not values.is_floating_point():
        # internal: see the docstring
        raise ValueError(f"log-softmax needs a floating tensor, got dtype {values.dtype}")
    if values.ndim == 0:
        # internal: see the docstring
        raise ValueError("log-softmax needs at least one dimension of logits, got a scalar")
    if not bool(torch.isfinite(values.detach()).all()):
        # internal: see the docstring
        raise ValueError("logits must be finite: this lab shows how finite logits overflow")
    return values


def naive_log_softmax(x: Tensor | Sequence[float]) -> Tensor:
    """x - log(sum(exp(x))), as in the classic torch.nn MNIST tutorial.

    exp(x) overflows to inf once x exceeds exp_overflow_threshold(dtype), giving -inf; if every
    exp(x) underflows to 0 the log gives -inf and the result is +inf.
    """
    values = _floating_input(x)
    return values - values.exp().sum(-1).log().unsqueeze(-1)


def stable_log_softmax(x: Tensor | Sequence[float]) -> Tensor:
    """(x - m) - log(sum(exp(x - m))) with m = max(x): the largest exp is exactly 1.

    m is detached: log-softmax does not depend on it, so no gradient needs to flow through it.
    """
    values = _floating_input(x)
    shifted = values - values.detach().max(dim=-1, keepdim=True).values
    return shifted - shifted.exp().sum(-1, keepdim=True).log()


def _torch_log_softmax(x: Tensor) -> Tensor:
    return torch.log_softmax(_floating_input(x), dim=-1)


LOG_SOFTMAX_METHODS: dict[str, Callable[[Tensor], Tensor]] = {
    N_("naive"): naive_log_softmax,
    N_("max-subtracted"): stable_log_softmax,
    "torch.log_softmax": _torch_log_softmax,
}
# The same three as the lesson writes them: LaTeX, then the torch code (x: the logits).
LOG_SOFTMAX_FORMULAS: dict[str, tuple[str, str]] = {
    "naive": (
        r"\text{naive: } z_i - \log \sum_j e^{z_j}",
        "x - x.exp().sum(-1).log().unsqueeze(-1)",
    ),
    "max-subtracted": (
        r"\text{max-subtracted: } (z_i - m) - \log \sum_j e^{z_j - m},\ m = \max_j z_j",
        "s = x - x.max(-1, keepdim=True).values\ns - s.exp().sum(-1, keepdim=True).log()",
    ),
    "torch.log_softmax": (
        r"\text{torch: } \mathrm{log\_softmax}(z)_i",
        "torch.log_softmax(x, dim=-1)",
    ),
}

_BITS_AS_INT = {2: torch.int16, 4: torch.int32, 8: torch.int64}


def _from_bits(bits: int, dtype: torch.dtype) -> Tensor:
    return torch.tensor(bits, dtype=_BITS_AS_INT[dtype.itemsize]).view(dtype)


def _largest_magnitude_where(dtype: torch.dtype, holds: Callable[[Tensor], bool]) -> Tensor:
    """The largest representable m >= 0 of ``dtype`` for which ``holds(m)``, by bisection.

    Non-negative floats sort like their bit patterns read as integers, so bisecting the
    integers visits every representable value in order: the answer is exact, not a guess.
    Requires holds(0) and not holds(finfo.max).
    """
    low = 0
    high = int(torch.tensor(torch.finfo(dtype).max, dtype=dtype).view(_BITS_AS_INT[dtype.itemsize]))
    while high - low > 1:
        middle = (low + high) // 2
        if holds(_from_bits(middle, dtype)):
            low = middle
        else:
            high = middle
    return _from_bits(low, dtype)


def _next_up(value: Tensor) -> Tensor:
    return torch.nextafter(value, torch.tensor(math.inf, dtype=value.dtype))


def _next_down(value: Tensor) -> Tensor:
    return torch.nextafter(value, torch.tensor(-math.inf, dtype=value.dtype))


def exp_overflow_threshold(dtype: str | torch.dtype) -> float:
    """The largest x representable in ``dtype`` whose exp(x), computed in ``dtype``, is finite.

    float32 ~88.72, float16 ~11.09, bfloat16 88.5, float64 ~709.78: each is the last value at
    or below log(finfo(dtype).max).
    """
    kind = resolve_dtype(dtype)
    return float(_largest_magnitude_where(kind, lambda m: bool(torch.isfinite(torch.exp(m)))))


def exp_underflow_threshold(dtype: str | torch.dtype) -> float:
    """The most negative x representable in ``dtype`` whose exp(x) is still above zero."""
    kind = resolve_dtype(dtype)
    return -float(_largest_magnitude_where(kind, lambda m: bool(torch.exp(-m) > 0)))


def exp_limits_table() -> pd.DataFrame:
    """Per dtype: the computed exp overflow/underflow limits beside log(finfo) references."""
    rows = []
    for name, kind in DTYPES.items():
        finfo = torch.finfo(kind)
        largest = torch.tensor(exp_overflow_threshold(kind), dtype=kind)
        smallest = torch.tensor(exp_underflow_threshold(kind), dtype=kind)
        subnormal = float(_from_bits(1, kind))
        rows.append(
            {
                N_("dtype"): name,
                N_("largest x with finite exp(x)"): float(largest),
                N_("next value (exp = inf)"): float(_next_up(largest)),
                N_("log(finfo.max)"): math.log(finfo.max),
                N_("smallest x with exp(x) > 0"): float(smallest),
                N_("next value (exp = 0)"): float(_next_down(smallest)),
                N_("log(smallest subnormal)"): math.log(subnormal),
            }
        )
    return pd.DataFrame(rows)


def _lab_inputs(scale: float, shift: float, target: int) -> tuple[float, float, int]:
    return (
        validate.number("scale", scale, 0.0, LAB_SCALE_MAX),
        validate.number("shift", shift, -LAB_SHIFT_LIMIT, LAB_SHIFT_LIMIT),
        validate.integer("target", target, 0, LAB_CLASSES - 1),
    )


def lab_logits(scale: float, shift: float = 0.0) -> Tensor:
    """The lab's float64 logits: scale * (1, 0, -0.05) + shift; scale 100 gives [100, 0, -5]."""
    s, b, _target = _lab_inputs(scale, shift, 0)
    return s * torch.tensor(LAB_DIRECTION, dtype=torch.float64) + b


def _status(rows: Tensor) -> list[str]:
    """Per row of a 2-D tensor: "finite", "NaN", "+inf", "-inf" or "±inf" (NaN wins)."""
    nan = torch.isnan(rows).any(-1).tolist()
    pos = (rows == math.inf).any(-1).tolist()
    neg = (rows == -math.inf).any(-1).tolist()
    labels = []
    for has_nan, has_pos, has_neg in zip(nan, pos, neg, strict=True):
        if has_nan:
            labels.append("NaN")
        elif has_pos and has_neg:
            labels.append("±inf")
        elif has_pos:
            labels.append("+inf")
        elif has_neg:
            labels.append("-inf")
        else:
            labels.append(N_("finite"))
    return labels


def _log_softmax_and_gradient(
    method: str, logits: Tensor, target: int
) -> tuple[Tensor, Tensor, Tensor]:
    """(log-probabilities, loss = -log p[target] per row, d loss / d logits) for a batch."""
    leaf = logits.detach().clone().requires_grad_(True)
    log_p = LOG_SOFTMAX_METHODS[method](leaf)
    loss = -log_p[..., target]
    (gradient,) = torch.autograd.grad(loss.sum(), leaf)
    return log_p.detach(), loss.detach(), gradient


def log_softmax_comparison(scale: float, shift: float = 0.0, target: int = 2) -> pd.DataFrame:
    """One row per dtype x method at one scale: stored logits, log p, status, error.

    "z0..z2" are the logits as stored in that dtype (bfloat16 rounds!); the error is measured
    against torch.log_softmax of those same stored logits in float64 (inf once broken).
    """
    s, b, t = _lab_inputs(scale, shift, target)
    logits64 = lab_logits(s, b)
    rows = []
    for name, kind in DTYPES.items():
        stored = logits64.to(kind)
        reference = torch.log_softmax(stored.double(), dim=-1)
        for method in LOG_SOFTMAX_METHODS:
            log_p, _loss, _gradient = _log_softmax_and_gradient(method, stored[None, :], t)
            error = (log_p[0].double() - reference).abs().max()
            rows.append(
                {
                    N_("dtype"): name,
                    N_("method"): method,
                    **{f"z{k}": float(stored[k]) for k in range(LAB_CLASSES)},
                    **{f"log p{k}": float(log_p[0, k]) for k in range(LAB_CLASSES)},
                    N_("status"): _status(log_p)[0],
                    N_("max |error| vs float64"): float(error) if error.isfinite() else math.inf,
                }
            )
    return pd.DataFrame(rows)


def cross_entropy_comparison(scale: float, shift: float = 0.0, target: int = 2) -> pd.DataFrame:
    """The cross-entropy -log p[target] and its gradient per dtype: naive vs F.cross_entropy.

    F.cross_entropy fuses a max-subtracted log_softmax with nll_loss, so loss and gradient
    (p - onehot) stay finite where the naive formula gives inf and NaN.
    """
    s, b, t = _lab_inputs(scale, shift, target)
    logits64 = lab_logits(s, b)
    rows = []
    for name, kind in DTYPES.items():
        stored = logits64.to(kind)
        exact_gradient = (
            torch.softmax(stored.double(), -1) - F.one_hot(torch.tensor(t), LAB_CLASSES).double()
        )
        exact_loss = -float(torch.log_softmax(stored.double(), -1)[t])
        _log_p, naive_loss, naive_gradient = _log_softmax_and_gradient("naive", stored[None, :], t)
        leaf = stored[None, :].clone().requires_grad_(True)
        fused_loss = F.cross_entropy(leaf, torch.tensor([t]))
        (fused_gradient,) = torch.autograd.grad(fused_loss, leaf)
        for method, loss, gradient in (
            (N_("naive: -naive_log_softmax(z)[target]"), naive_loss[0], naive_gradient[0]),
            ("F.cross_entropy(z, target)", fused_loss.detach(), fused_gradient[0]),
        ):
            rows.append(
                {
                    N_("dtype"): name,
                    N_("method"): method,
                    N_("loss"): float(loss),
                    N_("loss status"): _status(loss.reshape(1, 1))[0],
                    **{f"dL/dz{k}": float(gradient[k]) for k in range(LAB_CLASSES)},
                    N_("gradient status"): _status(gradient.reshape(1, -1))[0],
                    N_("float64 loss"): exact_loss,
                    **{f"p - onehot, z{k}": float(exact_gradient[k]) for k in range(LAB_CLASSES)},
                }
            )
    return pd.DataFrame(rows)


def _combined_status(
    method: str, kind: torch.dtype, scales: Tensor, shift: float, target: int
) -> list[str]:
    """One label per scale: "finite", or which of output / gradient broke and how."""
    direction = torch.tensor(LAB_DIRECTION, dtype=torch.float64)
    logits = (scales[:, None] * direction + shift).to(kind)
    log_p, _loss, gradient = _log_softmax_and_gradient(method, logits, target)
    labels = []
    for out, grad in zip(_status(log_p), _status(gradient), strict=True):
        both_finite = out == "finite" and grad == "finite"
        labels.append("finite" if both_finite else BROKEN.format(output=out, gradient=grad))
    return labels


def _boundary(
    method: str, kind: torch.dtype, low: float, high: float, shift: float, target: int
) -> float:
    """The first float64 scale in (low, high] whose status differs from the status at ``low``.

    Bisects until low and high are neighbouring doubles, so the boundary is exact.
    """
    before = _combined_status(method, kind, torch.tensor([low], dtype=torch.float64), shift, target)
    while (middle := 0.5 * (low + high)) not in (low, high):
        probe = torch.tensor([middle], dtype=torch.float64)
        if _combined_status(method, kind, probe, shift, target) == before:
            low = middle
        else:
            high = middle
    return high


def status_segments(
    shift: float = 0.0, target: int = 2, scale_max: float = LAB_SCALE_MAX, points: int = 1001
) -> pd.DataFrame:
    """For every dtype x method, the runs of scale in [0, scale_max] with the same status.

    Scanned on a grid, then each change of status is located by bisection down to adjacent
    doubles, so the start of the first non-finite run is exactly where inf / NaN first appear.
    """
    _scale, b, t = _lab_inputs(0.0, shift, target)
    top = validate.number("scale_max", scale_max, 1e-6, LAB_SCALE_MAX)
    validate.integer("points", points, 2, 100_001)
    scales = torch.linspace(0.0, top, points, dtype=torch.float64)
    rows = []
    for name, kind in DTYPES.items():
        for method in LOG_SOFTMAX_METHODS:
            labels = _combined_status(method, kind, scales, b, t)
            start = 0.0
            for i in range(1, points):
                if labels[i] != labels[i - 1]:
                    edge = _boundary(method, kind, float(scales[i - 1]), float(scales[i]), b, t)
                    rows.append(_segment(name, method, labels[i - 1], start, edge))
                    start = edge
            rows.append(_segment(name, method, labels[-1], start, top))
    return pd.DataFrame(rows)


def _segment(dtype: str, method: str, status: str, start: float, end: float) -> dict:
    return {
        N_("dtype"): dtype,
        N_("method"): method,
        N_("status"): status,
        N_("scale from"): start,
        N_("scale to"): end,
    }


def first_nonfinite(segments: pd.DataFrame, shift: float = 0.0) -> pd.DataFrame:
    """Per dtype x method: the first scale where output or gradient stops being finite.

    Also lists the logits there, rounded to the dtype, beside the dtype's exp limits: the naive
    formula breaks exactly when the largest logit passes the overflow threshold (or every
    logit falls below the underflow threshold).
    """
    rows = []
    for (name, method), runs in segments.groupby(["dtype", "method"], sort=False):
        broken = runs[runs["status"] != "finite"]
        if len(broken):
            scale = float(broken.iloc[0]["scale from"])
            stored = lab_logits(scale, shift).to(DTYPES[name])
            first = {
                N_("first non-finite scale"): scale,
                N_("logits there (as stored)"): [float(v) for v in stored],
                N_("what breaks"): broken.iloc[0]["status"],
            }
        else:
            first = {
                N_("first non-finite scale"): None,
                N_("logits there (as stored)"): None,
                N_("what breaks"): N_("stays finite"),
            }
        rows.append(
            {
                N_("dtype"): name,
                N_("method"): method,
                **first,
                N_("exp overflow threshold"): exp_overflow_threshold(name),
                N_("exp underflow threshold"): exp_underflow_threshold(name),
            }
        )
    table = pd.DataFrame(rows)
    # Keep None ("never") distinct from a NaN result: an object column does not coerce it.
    table["first non-finite scale"] = pd.Series(
        [row["first non-finite scale"] for row in rows], dtype=object
    )
    return table


# ---------------------------------------------------------------------------------------------
# Output activations and losses
# ---------------------------------------------------------------------------------------------


def binary_loss_gradients(
    z_min: float = -10.0, z_max: float = 10.0, points: int = 401
) -> pd.DataFrame:
    """dL/dz for one example with label y = 1, p = sigmoid(z): MSE vs binary cross-entropy.

    MSE (p - 1)^2 has gradient 2 (p - 1) p (1 - p): it vanishes when the model is confidently
    wrong (z << 0). BCE -log p has gradient p - 1: close to -1 exactly there.
    """
    z = _logit_grid(z_min, z_max, points).requires_grad_(True)
    p = torch.sigmoid(z)
    label = torch.ones_like(p)
    losses = {
        "sigmoid + MSE": F.mse_loss(p, label, reduction="none"),
        "sigmoid + BCE": F.binary_cross_entropy(p, label, reduction="none"),
    }
    return _curve_frame(z, p, losses)


def multiclass_loss_gradients(
    classes: int = 10, z_min: float = -10.0, z_max: float = 10.0, points: int = 401
) -> pd.DataFrame:
    """dL/dz_true as the true class's logit varies (the other K-1 logits stay at 0).

    softmax + MSE, L = sum_j (p_j - y_j)^2, saturates when p_true -> 0; softmax + CE,
    L = -log p_true, has gradient p_true - 1 there.
    """
    k = _class_count(classes)
    z = _logit_grid(z_min, z_max, points).requires_grad_(True)
    logits = torch.cat([z[:, None], torch.zeros(points, k - 1, dtype=torch.float64)], dim=1)
    p = torch.softmax(logits, dim=-1)
    target = torch.zeros(points, dtype=torch.long)
    onehot = F.one_hot(target, k).double()
    losses = {
        "softmax + MSE": F.mse_loss(p, onehot, reduction="none").sum(-1),
        "softmax + CE": F.cross_entropy(logits, target, reduction="none"),
    }
    return _curve_frame(z, p[:, 0], losses)


def _curve_frame(z: Tensor, p: Tensor, losses: dict[str, Tensor]) -> pd.DataFrame:
    frames = []
    for pair, loss in losses.items():
        (gradient,) = torch.autograd.grad(loss.sum(), z, retain_graph=True)
        frames.append(
            pd.DataFrame(
                {
                    N_("logit"): z.detach().numpy(),
                    N_("pair"): pair,
                    N_("loss"): loss.detach().numpy(),
                    N_("gradient"): gradient.numpy(),
                    N_("p(true class)"): p.detach().numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def loss_gradient_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per pair: the gradient when most wrong (smallest z), at z nearest 0, and its peak |.|."""
    rows = []
    for pair, curve in curves.groupby("pair", sort=False):
        curve = curve.reset_index(drop=True)
        most_wrong = curve.iloc[curve["logit"].idxmin()]
        at_zero = curve.iloc[curve["logit"].abs().idxmin()]
        peak = curve.iloc[curve["gradient"].abs().idxmax()]
        rows.append(
            {
                N_("pair"): pair,
                N_("most wrong logit"): float(most_wrong["logit"]),
                N_("gradient there"): float(most_wrong["gradient"]),
                N_("gradient at z = 0"): float(at_zero["gradient"]),
                N_("largest |gradient|"): float(abs(peak["gradient"])),
                N_("at logit"): float(peak["logit"]),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Why nll_loss needs log-probabilities
# ---------------------------------------------------------------------------------------------

NLL_OUTPUTS: dict[str, Callable[[Tensor], Tensor]] = {
    N_("log_softmax (correct)"): lambda z: torch.log_softmax(z, dim=-1),
    "softmax": lambda z: torch.softmax(z, dim=-1),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    N_("none (raw logits)"): lambda z: z,
}


def nll_with_outputs(
    classes: int = 10, z_min: float = -10.0, z_max: float = 10.0, points: int = 401
) -> pd.DataFrame:
    """F.nll_loss(output(z), target) as the true logit varies, other logits fixed at 0.

    nll_loss only picks -input[target]; it is cross-entropy only if the input is log p.
    Columns: loss, its gradient on the true logit and on one competing logit.
    """
    k = _class_count(classes)
    z = _logit_grid(z_min, z_max, points)
    target = torch.zeros(points, dtype=torch.long)
    frames = []
    for name, output in NLL_OUTPUTS.items():
        logits = torch.cat([z[:, None], torch.zeros(points, k - 1, dtype=torch.float64)], dim=1)
        logits.requires_grad_(True)
        loss = F.nll_loss(output(logits), target, reduction="none")
        (gradient,) = torch.autograd.grad(loss.sum(), logits)
        frames.append(
            pd.DataFrame(
                {
                    N_("logit"): z.numpy(),
                    N_("output"): name,
                    N_("loss"): loss.detach().numpy(),
                    N_("gradient (true logit)"): gradient[:, 0].numpy(),
                    N_("gradient (competing logit)"): gradient[:, 1].numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def nll_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per output: loss range over the grid and both gradients when the model is most wrong."""
    rows = []
    for name, curve in curves.groupby("output", sort=False):
        curve = curve.reset_index(drop=True)
        most_wrong = curve.iloc[curve["logit"].idxmin()]
        rows.append(
            {
                N_("output fed to nll_loss"): name,
                N_("lowest loss"): float(curve["loss"].min()),
                N_("highest loss"): float(curve["loss"].max()),
                N_("most wrong logit"): float(most_wrong["logit"]),
                N_("gradient on true logit there"): float(most_wrong["gradient (true logit)"]),
                N_("gradient on a competitor there"): float(
                    most_wrong["gradient (competing logit)"]
                ),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# What each tab of the lesson shows, in one call
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoftmaxView:
    """The playground tab: softmax of the user's logits at temperature T."""

    probabilities: pd.DataFrame  # ``probability_table``
    jacobian: pd.DataFrame  # ``jacobian_table``
    max_difference: float  # max |autograd − closed form| over the Jacobian
    entropy: float  # nats, at T
    uniform_entropy: float  # log K: the largest entropy K classes can have
    sweep: pd.DataFrame  # ``temperature_sweep``

    @property
    def largest_probability(self) -> float:
        return float(self.probabilities["probability"].max())


def softmax_view(logits: Sequence[float] | Tensor, temperature: float = 1.0) -> SoftmaxView:
    """Probabilities, Jacobian (both ways), entropy and the temperature sweep of ``logits``."""
    count = validate_logits(logits).numel()
    return SoftmaxView(
        probabilities=probability_table(logits, temperature),
        jacobian=jacobian_table(logits, temperature),
        max_difference=jacobian_max_difference(logits, temperature),
        entropy=entropy_nats(logits, temperature),
        uniform_entropy=entropy_nats([0.0] * count),
        sweep=temperature_sweep(logits),
    )


@dataclass(frozen=True)
class NumericsView:
    """The numerics lab at one scale, shift and target."""

    logits: list[float]  # the float64 logits, scale · (1, 0, −0.05) + shift
    comparison: pd.DataFrame  # ``log_softmax_comparison``
    cross_entropy: pd.DataFrame  # ``cross_entropy_comparison``
    segments: pd.DataFrame  # ``status_segments``: the overflow map
    first: pd.DataFrame  # ``first_nonfinite``


def numerics_view(scale: float, shift: float = 0.0, target: int = 2) -> NumericsView:
    """log-softmax three ways in four dtypes, the cross-entropy, and where each breaks."""
    segments = status_segments(shift, target)
    return NumericsView(
        logits=lab_logits(scale, shift).tolist(),
        comparison=log_softmax_comparison(scale, shift, target),
        cross_entropy=cross_entropy_comparison(scale, shift, target),
        segments=segments,
        first=first_nonfinite(segments, shift),
    )


@dataclass(frozen=True)
class ExpLimits:
    """``exp_limits_table`` with a lookup by dtype name."""

    table: pd.DataFrame

    def of(self, dtype: str) -> dict[str, float]:
        """One dtype's row: ``largest x with finite exp(x)``, ``next value (exp = inf)``, …"""
        resolve_dtype(dtype)
        return self.table.set_index("dtype").loc[dtype].to_dict()


def exp_limits() -> ExpLimits:
    return ExpLimits(exp_limits_table())


@dataclass(frozen=True)
class LossCurves:
    """The losses tab: gradient curves of a sigmoid and a softmax output, and their summary."""

    binary: pd.DataFrame  # ``binary_loss_gradients``
    multiclass: pd.DataFrame  # ``multiclass_loss_gradients``
    summary: pd.DataFrame  # ``loss_gradient_summary`` of both, one row per pair

    @property
    def all(self) -> pd.DataFrame:
        """Both curve tables in one (the CSV download)."""
        return pd.concat([self.binary, self.multiclass], ignore_index=True)


def loss_curves(classes: int = 10, z_min: float = -10.0, z_max: float = 10.0) -> LossCurves:
    """MSE against (binary) cross-entropy, as the true logit runs over ``[z_min, z_max]``."""
    binary = binary_loss_gradients(z_min, z_max)
    multiclass = multiclass_loss_gradients(classes, z_min, z_max)
    summary = pd.concat(
        [loss_gradient_summary(binary), loss_gradient_summary(multiclass)], ignore_index=True
    )
    return LossCurves(binary, multiclass, summary)


@dataclass(frozen=True)
class NllCurves:
    """The nll_loss tab: the loss of each output fed to nll_loss, and its summary."""

    curves: pd.DataFrame  # ``nll_with_outputs``
    summary: pd.DataFrame  # ``nll_summary``


def nll_curves(classes: int = 10) -> NllCurves:
    curves = nll_with_outputs(classes)
    return NllCurves(curves, nll_summary(curves))
