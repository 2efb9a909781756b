"""The activation catalogue: every torch.nn elementwise activation as data.

Each entry pairs the torch function (functional form, real torch defaults) with a closed-form
derivative written by hand, without autograd, so the two can check each other. Where a function
has a kink the closed form follows torch's convention at the kink (e.g. relu'(0) = 0), and the
kink positions are listed so that properties such as the order of continuity can be measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from actlab import i18n
from actlab.i18n import N_, Refusal, _

Params = Mapping[str, float]
Elementwise = Callable[[Tensor, Params], Tensor]

# SELU's fixed-point constants (Klambauer et al., 2017), as torch uses them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# GELU tanh approximation constants (Hendrycks & Gimpel, 2016).
_GELU_TANH_C = math.sqrt(2.0 / math.pi)
_GELU_TANH_K = 0.044715
# xIELU's fixed constant: the negative branch uses expm1(min(x, ε)), as in the reference code
# (Huang & Schlag's xielu; transformers' XIELUActivation): ε = -1e-6, β = 0.5 fixed.
XIELU_EPS = -1e-6


@dataclass(frozen=True)
class Param:
    """One tunable parameter: torch's default and the range the UI and API accept."""

    name: str
    default: float
    low: float
    high: float
    step: float
    help: str = ""


@dataclass(frozen=True)
class Activation:
    """A catalogue entry: the function, its hand-written derivative and how to present it."""

    id: str
    display_name: str
    torch_call: str  # the torch functional it wraps, as a student would write it
    forward: Elementwise  # f(x; params) via torch
    derivative: Elementwise | None  # closed-form f'(x; params), no autograd; None if unknown
    latex_f: str  # empty for a custom formula (shown as code instead)
    latex_df: str
    description: str
    origin: str
    params: tuple[Param, ...] = ()
    breakpoints: Callable[[Params], list[float]] = field(default=lambda p: [])
    note: str = ""  # anything the student should know beyond the formula (e.g. RReLU's randomness)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}


def _step(condition: Tensor, like: Tensor) -> Tensor:
    return condition.to(like.dtype)


def _leaky(slope: float) -> Elementwise:
    return lambda x, p: torch.where(x > 0, torch.ones_like(x), torch.full_like(x, slope))


def _prelu(x: Tensor, p: Params) -> Tensor:
    weight = torch.tensor([p["weight"]], dtype=x.dtype, device=x.device)
    return F.prelu(x, weight)


def _rrelu_eval_slope(p: Params) -> float:
    return (p["lower"] + p["upper"]) / 2.0


def _gelu_tanh_derivative(x: Tensor, p: Params) -> Tensor:
    u = _GELU_TANH_C * (x + _GELU_TANH_K * x**3)
    t = torch.tanh(u)
    du = _GELU_TANH_C * (1.0 + 3.0 * _GELU_TANH_K * x**2)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * du


def _gelu_derivative(x: Tensor, p: Params) -> Tensor:
    cdf = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    pdf = torch.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf


def _mish_derivative(x: Tensor, p: Params) -> Tensor:
    t = torch.tanh(F.softplus(x))
    return t + x * (1.0 - t**2) * torch.sigmoid(x)


def _silu_derivative(x: Tensor, p: Params) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _softplus_derivative(x: Tensor, p: Params) -> Tensor:
    # torch switches to the identity when beta * x > threshold, for numerical stability.
    bx = p["beta"] * x
    return torch.where(bx > p["threshold"], torch.ones_like(x), torch.sigmoid(bx))


def _between(x: Tensor, low: float, high: float) -> Tensor:
    return _step((x > low) & (x < high), x)


def _swish_derivative(x: Tensor, p: Params) -> Tensor:
    s = torch.sigmoid(p["beta"] * x)
    return s + p["beta"] * x * s * (1.0 - s)


def _xielu(x: Tensor, p: Params) -> Tensor:
    # torch.where evaluates both branches: clamping keeps expm1 finite for large positive x.
    positive = p["alpha_p"] * x * x + p["beta"] * x
    negative = p["alpha_n"] * (torch.expm1(x.clamp(max=XIELU_EPS)) - x) + p["beta"] * x
    return torch.where(x > 0, positive, negative)


def _xielu_derivative(x: Tensor, p: Params) -> Tensor:
    # x > 0: 2 α_p x + β. x ≤ ε: α_n (eˣ - 1) + β. On (ε, 0] the clamp holds expm1 constant,
    # so only -α_n x + β x moves: slope β - α_n (what torch reports at x = 0).
    a_p, a_n, beta = p["alpha_p"], p["alpha_n"], p["beta"]
    exp_part = torch.where(x <= XIELU_EPS, torch.exp(x.clamp(max=XIELU_EPS)), torch.zeros_like(x))
    negative = a_n * (exp_part - 1.0) + beta
    return torch.where(x > 0, 2.0 * a_p * x + beta, negative)


def _snake(x: Tensor, p: Params) -> Tensor:
    a = p["a"]
    return x + torch.sin(a * x) ** 2 / a


def _smish(x: Tensor, p: Params) -> Tensor:
    return x * torch.tanh(torch.log1p(torch.sigmoid(x)))


def _smish_derivative(x: Tensor, p: Params) -> Tensor:
    s = torch.sigmoid(x)
    t = torch.tanh(torch.log1p(s))
    # d/dx ln(1 + σ) = σ (1 - σ) / (1 + σ)
    return t + x * (1.0 - t**2) * s * (1.0 - s) / (1.0 + s)


_CATALOGUE: tuple[Activation, ...] = (
    Activation(
        id="relu",
        display_name="ReLU",
        torch_call="F.relu(x)",
        forward=lambda x, p: F.relu(x),
        derivative=lambda x, p: _step(x > 0, x),
        latex_f=r"\max(0, x)",
        latex_df=r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        description="Passes positives, zeroes negatives: cheap, sparse, non-saturating for x > 0.",
        origin="Nair & Hinton, 2010 (Rectified Linear Units Improve Restricted Boltzmann Machines)",
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="leaky_relu",
        display_name="LeakyReLU",
        torch_call="F.leaky_relu(x, negative_slope=0.01)",
        forward=lambda x, p: F.leaky_relu(x, p["negative_slope"]),
        derivative=lambda x, p: _leaky(p["negative_slope"])(x, p),
        latex_f=r"\begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}",
        latex_df=r"\begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
        description="ReLU with a small slope for negatives so units never stop learning.",
        origin="Maas, Hannun & Ng, 2013 (Rectifier Nonlinearities Improve Neural Network Acoustic Models)",
        params=(Param("negative_slope", 0.01, 0.0, 1.0, 0.01, "slope a for x ≤ 0"),),
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="prelu",
        display_name="PReLU",
        torch_call="F.prelu(x, weight=torch.tensor([0.25]))",
        forward=_prelu,
        derivative=lambda x, p: _leaky(p["weight"])(x, p),
        latex_f=r"\begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}",
        latex_df=r"\begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
        description="LeakyReLU whose negative slope a is learned (nn.PReLU starts it at 0.25).",
        origin="He, Zhang, Ren & Sun, 2015 (Delving Deep into Rectifiers)",
        params=(Param("weight", 0.25, -1.0, 1.0, 0.01, "learned slope a for x ≤ 0 (init 0.25)"),),
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="rrelu",
        display_name="RReLU",
        torch_call="F.rrelu(x, lower=1/8, upper=1/3, training=False)",
        forward=lambda x, p: F.rrelu(x, p["lower"], p["upper"], training=False),
        derivative=lambda x, p: _leaky(_rrelu_eval_slope(p))(x, p),
        latex_f=r"\begin{cases} x & x \ge 0 \\ \frac{l+u}{2}\,x & x < 0 \end{cases}",
        latex_df=r"\begin{cases} 1 & x > 0 \\ \frac{l+u}{2} & x \le 0 \end{cases}",
        description="Leaky ReLU with a random negative slope while training, its mean at eval.",
        origin="Xu, Wang, Chen & Li, 2015 (Empirical Evaluation of Rectified Activations)",
        params=(
            Param("lower", 1 / 8, 0.0, 1.0, 0.005, "lower bound l of the random slope"),
            Param("upper", 1 / 3, 0.0, 1.0, 0.005, "upper bound u of the random slope"),
        ),
        breakpoints=lambda p: [0.0],
        note=(
            "In training mode every negative element gets its own slope drawn from U(l, u), "
            "fresh on each forward pass, a noise that regularises. Plots show the deterministic "
            "eval-mode form, whose slope is the mean (l+u)/2."
        ),
    ),
    Activation(
        id="elu",
        display_name="ELU",
        torch_call="F.elu(x, alpha=1.0)",
        forward=lambda x, p: F.elu(x, p["alpha"]),
        derivative=lambda x, p: torch.where(x > 0, torch.ones_like(x), p["alpha"] * torch.exp(x)),
        latex_f=r"\begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}",
        latex_df=r"\begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}",
        description="Smooth negative part saturating at -α pushes mean activations towards zero.",
        origin="Clevert, Unterthiner & Hochreiter, 2015 (Fast and Accurate Deep Network Learning by ELUs)",
        params=(Param("alpha", 1.0, 0.0, 3.0, 0.05, "negative saturation value -α"),),
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="selu",
        display_name="SELU",
        torch_call="F.selu(x)",
        forward=lambda x, p: F.selu(x),
        derivative=lambda x, p: (
            SELU_SCALE * torch.where(x > 0, torch.ones_like(x), SELU_ALPHA * torch.exp(x))
        ),
        latex_f=(
            r"\lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases},"
            r"\ \lambda \approx 1.0507,\ \alpha \approx 1.6733"
        ),
        latex_df=r"\lambda \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}",
        description="Scaled ELU whose constants keep activations at mean 0, variance 1 layer after layer.",
        origin="Klambauer, Unterthiner, Mayr & Hochreiter, 2017 (Self-Normalizing Neural Networks)",
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="celu",
        display_name="CELU",
        torch_call="F.celu(x, alpha=1.0)",
        forward=lambda x, p: F.celu(x, p["alpha"]),
        derivative=lambda x, p: torch.where(x > 0, torch.ones_like(x), torch.exp(x / p["alpha"])),
        latex_f=r"\max(0, x) + \min\!\big(0, \alpha\,(e^{x/\alpha} - 1)\big)",
        latex_df=r"\begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
        description="ELU rescaled so its derivative is continuous at 0 for every α.",
        origin="Barron, 2017 (Continuously Differentiable Exponential Linear Units)",
        params=(Param("alpha", 1.0, 0.05, 3.0, 0.05, "negative saturation value -α (α > 0)"),),
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="gelu",
        display_name="GELU",
        torch_call="F.gelu(x)",
        forward=lambda x, p: F.gelu(x),
        derivative=_gelu_derivative,
        latex_f=r"x\,\Phi(x) = \tfrac{x}{2}\big(1 + \operatorname{erf}(x/\sqrt{2})\big)",
        latex_df=r"\Phi(x) + x\,\varphi(x)",
        description=(
            "x weighted by Φ(x) = P(Z ≤ x), the probability that a standard normal Z is at "
            "most x; BERT's and GPT's activation (the original Transformer used ReLU)."
        ),
        origin="Hendrycks & Gimpel, 2016 (Gaussian Error Linear Units)",
    ),
    Activation(
        id="gelu_tanh",
        display_name="GELU (tanh)",
        torch_call="F.gelu(x, approximate='tanh')",
        forward=lambda x, p: F.gelu(x, approximate="tanh"),
        derivative=_gelu_tanh_derivative,
        latex_f=r"\tfrac{x}{2}\Big(1 + \tanh\!\big(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\big)\Big)",
        latex_df=(
            r"\tfrac{1}{2}(1 + \tanh u) + \tfrac{x}{2}\,\operatorname{sech}^2 u\;"
            r"\sqrt{2/\pi}\,(1 + 0.134145\,x^2)"
        ),
        description="The tanh approximation of GELU used by BERT and GPT-2.",
        origin="Hendrycks & Gimpel, 2016 (Gaussian Error Linear Units)",
    ),
    Activation(
        id="silu",
        display_name="SiLU / Swish",
        torch_call="F.silu(x)",
        forward=lambda x, p: F.silu(x),
        derivative=_silu_derivative,
        latex_f=r"x\,\sigma(x)",
        latex_df=r"\sigma(x)\,\big(1 + x\,(1 - \sigma(x))\big)",
        description="Self-gated x·σ(x): smooth, non-monotonic, with a small negative dip.",
        origin="Elfwing, Uchibe & Doya, 2017; Ramachandran, Zoph & Le, 2017 (Swish)",
    ),
    Activation(
        id="mish",
        display_name="Mish",
        torch_call="F.mish(x)",
        forward=lambda x, p: F.mish(x),
        derivative=_mish_derivative,
        latex_f=r"x \tanh(\operatorname{softplus}(x))",
        latex_df=r"\tanh(s) + x\,\operatorname{sech}^2(s)\,\sigma(x),\ s = \operatorname{softplus}(x)",
        description="Smooth self-regularised non-monotonic function, close to Swish.",
        origin="Misra, 2019 (Mish: A Self Regularized Non-Monotonic Activation Function)",
    ),
    Activation(
        id="softplus",
        display_name="Softplus",
        torch_call="F.softplus(x, beta=1.0, threshold=20.0)",
        forward=lambda x, p: F.softplus(x, p["beta"], p["threshold"]),
        derivative=_softplus_derivative,
        latex_f=(
            r"\begin{cases} \frac{1}{\beta}\log(1 + e^{\beta x}) & \beta x \le t \\"
            r" x & \beta x > t \end{cases}"
        ),
        latex_df=r"\begin{cases} \sigma(\beta x) & \beta x \le t \\ 1 & \beta x > t \end{cases}",
        description="A smooth ReLU; torch switches to x past the threshold t for stability.",
        origin="Dugas, Bengio, Bélisle, Nadeau & Garcia, 2001 (Incorporating Second-Order Functional Knowledge)",
        params=(
            Param("beta", 1.0, 0.1, 10.0, 0.1, "sharpness β (large β → ReLU)"),
            Param("threshold", 20.0, 1.0, 50.0, 1.0, "βx above which torch returns x exactly"),
        ),
    ),
    Activation(
        id="softsign",
        display_name="Softsign",
        torch_call="F.softsign(x)",
        forward=lambda x, p: F.softsign(x),
        derivative=lambda x, p: 1.0 / (1.0 + x.abs()) ** 2,
        latex_f=r"\frac{x}{1 + |x|}",
        latex_df=r"\frac{1}{(1 + |x|)^2}",
        description="Like tanh but approaches ±1 polynomially, so it saturates more slowly.",
        origin="Turian, Bergstra & Bengio, 2009 (Quadratic Features and Deep Architectures for Chunking)",
        breakpoints=lambda p: [0.0],
    ),
    Activation(
        id="sigmoid",
        display_name="Sigmoid",
        torch_call="torch.sigmoid(x)",
        forward=lambda x, p: torch.sigmoid(x),
        derivative=lambda x, p: torch.sigmoid(x) * (1.0 - torch.sigmoid(x)),
        latex_f=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        latex_df=r"\sigma(x)\,(1 - \sigma(x)) \le \tfrac14",
        description="The logistic squashing function; its slope never exceeds 1/4, so deep stacks vanish.",
        origin="Rumelhart, Hinton & Williams, 1986 (Learning representations by back-propagating errors)",
    ),
    Activation(
        id="logsigmoid",
        display_name="LogSigmoid",
        torch_call="F.logsigmoid(x)",
        forward=lambda x, p: F.logsigmoid(x),
        derivative=lambda x, p: torch.sigmoid(-x),
        latex_f=r"\log \sigma(x) = -\log(1 + e^{-x})",
        latex_df=r"1 - \sigma(x) = \sigma(-x)",
        description="The log of the sigmoid, computed stably; the building block of binary cross-entropy.",
        origin="Logistic regression (Cox, 1958); torch's numerically stable form",
    ),
    Activation(
        id="hardsigmoid",
        display_name="Hardsigmoid",
        torch_call="F.hardsigmoid(x)",
        forward=lambda x, p: F.hardsigmoid(x),
        derivative=lambda x, p: _between(x, -3.0, 3.0) / 6.0,
        latex_f=r"\frac{\operatorname{ReLU6}(x + 3)}{6}",
        latex_df=r"\begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}",
        description="A piecewise-linear sigmoid that is cheap on mobile hardware.",
        origin="Howard et al., 2019 (Searching for MobileNetV3)",
        breakpoints=lambda p: [-3.0, 3.0],
    ),
    Activation(
        id="hardswish",
        display_name="Hardswish",
        torch_call="F.hardswish(x)",
        forward=lambda x, p: F.hardswish(x),
        derivative=lambda x, p: torch.where(
            x <= -3.0,
            torch.zeros_like(x),
            torch.where(x < 3.0, (2.0 * x + 3.0) / 6.0, torch.ones_like(x)),
        ),
        latex_f=r"x\,\frac{\operatorname{ReLU6}(x + 3)}{6}",
        latex_df=r"\begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x < 3 \\ 1 & x \ge 3 \end{cases}",
        description="A piecewise-quadratic Swish for mobile networks.",
        origin="Howard et al., 2019 (Searching for MobileNetV3)",
        breakpoints=lambda p: [-3.0, 3.0],
    ),
    Activation(
        id="hardtanh",
        display_name="Hardtanh",
        torch_call="F.hardtanh(x, min_val=-1.0, max_val=1.0)",
        forward=lambda x, p: F.hardtanh(x, p["min_val"], p["max_val"]),
        derivative=lambda x, p: _between(x, p["min_val"], p["max_val"]),
        latex_f=r"\min(\max(x, a), b)",
        latex_df=r"\begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}",
        description="Clips x to [a, b]: a linear tanh with dead zones outside.",
        origin="Collobert, 2004 (Large Scale Machine Learning, PhD thesis; the Torch library)",
        params=(
            Param("min_val", -1.0, -5.0, 5.0, 0.1, "lower clip a"),
            Param("max_val", 1.0, -5.0, 5.0, 0.1, "upper clip b (must exceed a)"),
        ),
        breakpoints=lambda p: [p["min_val"], p["max_val"]],
    ),
    Activation(
        id="relu6",
        display_name="ReLU6",
        torch_call="F.relu6(x)",
        forward=lambda x, p: F.relu6(x),
        derivative=lambda x, p: _between(x, 0.0, 6.0),
        latex_f=r"\min(\max(0, x), 6)",
        latex_df=r"\begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
        description="ReLU capped at 6, which keeps low-precision (mobile) arithmetic in range.",
        origin="Krizhevsky, 2010 (Convolutional Deep Belief Networks on CIFAR-10)",
        breakpoints=lambda p: [0.0, 6.0],
    ),
    Activation(
        id="tanh",
        display_name="Tanh",
        torch_call="torch.tanh(x)",
        forward=lambda x, p: torch.tanh(x),
        derivative=lambda x, p: 1.0 - torch.tanh(x) ** 2,
        latex_f=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        latex_df=r"1 - \tanh^2(x)",
        description="A zero-centred sigmoid with slope 1 at the origin; saturates at ±1.",
        origin="LeCun, Bottou, Orr & Müller, 1998 (Efficient BackProp)",
    ),
    Activation(
        id="tanhshrink",
        display_name="Tanhshrink",
        torch_call="F.tanhshrink(x)",
        forward=lambda x, p: F.tanhshrink(x),
        derivative=lambda x, p: torch.tanh(x) ** 2,
        latex_f=r"x - \tanh(x)",
        latex_df=r"\tanh^2(x)",
        description="What tanh leaves out: flat near 0, linear far away.",
        origin="The Torch library (Collobert, Kavukcuoglu & Farabet, 2011)",
    ),
    Activation(
        id="softshrink",
        display_name="Softshrink",
        torch_call="F.softshrink(x, lambd=0.5)",
        forward=lambda x, p: F.softshrink(x, p["lambd"]),
        derivative=lambda x, p: _step(x.abs() > p["lambd"], x),
        latex_f=r"\begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & \text{otherwise} \end{cases}",
        latex_df=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        description="Soft thresholding: shrinks every value towards 0 by λ (the proximal map of L1).",
        origin="Donoho & Johnstone, 1994 (Ideal spatial adaptation by wavelet shrinkage)",
        params=(Param("lambd", 0.5, 0.0, 5.0, 0.05, "dead-zone half-width λ ≥ 0"),),
        breakpoints=lambda p: [-p["lambd"], p["lambd"]],
    ),
    Activation(
        id="hardshrink",
        display_name="Hardshrink",
        torch_call="F.hardshrink(x, lambd=0.5)",
        forward=lambda x, p: F.hardshrink(x, p["lambd"]),
        derivative=lambda x, p: _step(x.abs() > p["lambd"], x),
        latex_f=r"\begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        latex_df=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| < \lambda \end{cases}",
        description="Hard thresholding: keeps values larger than λ, zeroes the rest (jumps at ±λ).",
        origin="Donoho & Johnstone, 1994 (Ideal spatial adaptation by wavelet shrinkage)",
        params=(Param("lambd", 0.5, 0.0, 5.0, 0.05, "dead-zone half-width λ ≥ 0"),),
        breakpoints=lambda p: [-p["lambd"], p["lambd"]],
    ),
    Activation(
        id="threshold",
        display_name="Threshold",
        torch_call="F.threshold(x, threshold=0.1, value=20.0)",
        forward=lambda x, p: F.threshold(x, p["threshold"], p["value"]),
        derivative=lambda x, p: _step(x > p["threshold"], x),
        latex_f=r"\begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
        latex_df=r"\begin{cases} 1 & x > \theta \\ 0 & x < \theta \end{cases}",
        description="Replaces everything at or below θ by a constant v: a step where v ≠ θ.",
        origin="The Torch library; torch has no defaults, these are its documentation's example",
        params=(
            Param("threshold", 0.1, -5.0, 5.0, 0.1, "threshold θ"),
            Param("value", 20.0, -25.0, 25.0, 0.5, "replacement value v"),
        ),
        breakpoints=lambda p: [p["threshold"]],
    ),
    Activation(
        id="relu_squared",
        display_name="Squared ReLU",
        torch_call="F.relu(x) ** 2",
        forward=lambda x, p: F.relu(x) ** 2,
        derivative=lambda x, p: 2.0 * F.relu(x),
        latex_f=r"\max(0, x)^2",
        latex_df=r"2 \max(0, x)",
        description=(
            "ReLU squared: zero for x ≤ 0, a parabola after; its slope 2x grows with x. "
            "Found by architecture search in Primer, used by speed-run GPTs."
        ),
        origin=(
            "So, Mańke, Liu, Dai, Shazeer & Le, 2021 (Primer: Searching for Efficient "
            "Transformers for Language Modeling, NeurIPS; arXiv 2109.08668)"
        ),
        breakpoints=lambda p: [0.0],
        note="f' = 2 relu(x) is continuous, so the kink is in f'' (0 left of 0, 2 right of it).",
    ),
    Activation(
        id="xielu",
        display_name="xIELU",
        torch_call=(
            "torch.where(x > 0, ap * x * x + b * x, "
            "an * (torch.expm1(x.clamp(max=-1e-6)) - x) + b * x)"
        ),
        forward=_xielu,
        derivative=_xielu_derivative,
        latex_f=(
            r"\begin{cases} \alpha_p x^2 + \beta x & x > 0 \\"
            r" \alpha_n\big(e^{\min(x, \varepsilon)} - 1 - x\big) + \beta x & x \le 0"
            r" \end{cases},\ \varepsilon = -10^{-6}"
        ),
        latex_df=(
            r"\begin{cases} 2\alpha_p x + \beta & x > 0 \\"
            r" \beta - \alpha_n & \varepsilon < x \le 0 \\"
            r" \alpha_n (e^{x} - 1) + \beta & x \le \varepsilon \end{cases}"
        ),
        description=(
            "Squared-ReLU-like growth for x > 0 (slope 2α_p x + β) and, for x < 0, a slope "
            "that turns negative (towards β - α_n): the integral of an affine map of ELU."
        ),
        origin=(
            "Huang & Schlag, 2024 (Deriving Activation Functions Using Integration, "
            "arXiv 2411.13010); reference code github.com/Anonymous5823/xielu and "
            "transformers' XIELUActivation (α_p = α_n = 0.8, β = 0.5, ε = -1e-6)"
        ),
        params=(
            Param("alpha_p", 0.8, 0.01, 3.0, 0.01, "α_p > 0: curvature for x > 0 (init 0.8)"),
            Param("alpha_n", 0.8, 0.01, 3.0, 0.01, "α_n > β: scale for x ≤ 0 (init 0.8)"),
            Param("beta", 0.5, 0.0, 2.0, 0.05, "β: the slope at 0⁺ (fixed 0.5 in the paper)"),
        ),
        breakpoints=lambda p: [XIELU_EPS, 0.0],
        note=(
            "In a network α_p and α_n are learned per layer through α_p = softplus(a_p) and "
            "α_n = β + softplus(a_n), so α_p > 0 and α_n > β always; a_p, a_n start where "
            "α_p = α_n = 0.8. The reference code clamps the exponent at ε = -10⁻⁶ (so expm1 "
            "never overflows on the unused branch); on (ε, 0] the slope is therefore β - α_n, "
            "which is what autograd reports at exactly x = 0, and f(0) = α_n·expm1(ε) ≈ -8·10⁻⁷ "
            "instead of 0. Plots and training here use fixed α_p, α_n."
        ),
    ),
    Activation(
        id="snake",
        display_name="Snake",
        torch_call="x + torch.sin(a * x) ** 2 / a",
        forward=_snake,
        derivative=lambda x, p: 1.0 + torch.sin(2.0 * p["a"] * x),
        latex_f=r"x + \frac{\sin^2(a x)}{a}",
        latex_df=r"1 + \sin(2 a x) \ \ge 0",
        description=(
            "x plus a ripple of period π/a: monotonic (f' = 1 + sin 2ax never goes below 0) "
            "yet periodic around the line y = x, so a network can extrapolate periodic data."
        ),
        origin=(
            "Liu Ziyin, Hartwig & Ueda, 2020 (Neural Networks Fail to Learn Periodic Functions "
            "and How to Fix It, NeurIPS; arXiv 2006.08195)"
        ),
        params=(Param("a", 0.5, 0.05, 50.0, 0.05, "frequency a > 0 (ripple period π/a)"),),
        note=(
            "The paper's headline form is a = 1 (x + sin²x); it advises 0.2 ≤ a ≤ 0.56 for "
            "ordinary tasks and a = 5 to 50 for clearly periodic data, and lets a be learned."
        ),
    ),
    Activation(
        id="swish",
        display_name="Swish (β)",
        torch_call="x * torch.sigmoid(beta * x)",
        forward=lambda x, p: x * torch.sigmoid(p["beta"] * x),
        derivative=_swish_derivative,
        latex_f=r"x\,\sigma(\beta x)",
        latex_df=r"\sigma(\beta x) + \beta x\,\sigma(\beta x)\big(1 - \sigma(\beta x)\big)",
        description=(
            "x·σ(βx): β = 1 is SiLU, β → ∞ approaches ReLU, β = 0 is the line x/2; "
            "β may be a constant or learned."
        ),
        origin="Ramachandran, Zoph & Le, 2017 (Searching for Activation Functions, arXiv 1710.05941)",
        params=(Param("beta", 1.0, 0.0, 10.0, 0.05, "β ≥ 0 (β = 1: SiLU)"),),
    ),
    Activation(
        id="smish",
        display_name="Smish",
        torch_call="x * torch.tanh(torch.log1p(torch.sigmoid(x)))",
        forward=_smish,
        derivative=_smish_derivative,
        latex_f=r"x \tanh\!\big(\ln(1 + \sigma(x))\big)",
        latex_df=(
            r"\tanh(\ell) + x\,\operatorname{sech}^2(\ell)\,"
            r"\frac{\sigma(x)(1 - \sigma(x))}{1 + \sigma(x)},\ \ell = \ln(1 + \sigma(x))"
        ),
        description=(
            "A Mish-like self-gate with a gentler gate: tanh(ln(1+σ(x))) runs from 0 to "
            "tanh(ln 2) = 0.6, so f ≈ 0.6x for large x."
        ),
        origin=(
            "Wang, Ren & Wang, 2022 (Smish: A Novel Activation Function for Deep Learning "
            "Methods, Electronics 11(4):540); the paper's αx·tanh(ln(1+σ(βx))) is best at α = β = 1"
        ),
    ),
    Activation(
        id="dyt",
        display_name="DyT tanh(αx)",
        torch_call="torch.tanh(alpha * x)",
        forward=lambda x, p: torch.tanh(p["alpha"] * x),
        derivative=lambda x, p: p["alpha"] * (1.0 - torch.tanh(p["alpha"] * x) ** 2),
        latex_f=r"\tanh(\alpha x)",
        latex_df=r"\alpha\,\big(1 - \tanh^2(\alpha x)\big)",
        description=(
            "Dynamic Tanh: a learned squash tanh(αx) that replaces LayerNorm in Transformers "
            "(followed there by a per-channel γ·+β), not an FFN activation."
        ),
        origin=(
            "Zhu, Chen, He, LeCun & Liu, 2025 (Transformers without Normalization, CVPR; "
            "arXiv 2503.10622); reference code github.com/jiachenzhu/DyT, α initialised at 0.5"
        ),
        params=(Param("alpha", 0.5, 0.01, 10.0, 0.01, "α > 0, learned (init 0.5)"),),
        note=(
            "DyT(x) = γ ⊙ tanh(αx) + β with one learned scalar α per layer and per-channel γ, β "
            "(init 1 and 0); shown here with γ = 1, β = 0. The paper starts α at 0.5 except in "
            "large language models, where smaller α₀ train more stably."
        ),
    ),
    Activation(
        id="identity",
        display_name="Identity (linear)",
        torch_call="x  # nn.Identity()",
        forward=lambda x, p: x.clone() if not x.requires_grad else x * 1.0,
        derivative=lambda x, p: torch.ones_like(x),
        latex_f="x",
        latex_df="1",
        description="No nonlinearity at all: stacked layers collapse into one affine map.",
        origin="The baseline every activation is measured against",
    ),
)

_BY_ID: dict[str, Activation] = {a.id: a for a in _CATALOGUE}

# A user-typed formula is an activation too: its id is this prefix plus the normalised formula,
# so it can travel in URLs and cache keys like any catalogue id.
CUSTOM_PREFIX = "custom:"


def names() -> list[str]:
    """All catalogue ids, in display order."""
    return [a.id for a in _CATALOGUE]


def get(name: str) -> Activation:
    """The catalogue entry for ``name``; a clear ``ValueError`` for an unknown id."""
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
        return _custom_entry(name[len(CUSTOM_PREFIX) :])
    try:
        return _BY_ID[name]
    except (KeyError, TypeError):
        raise Refusal(
            N_("unknown activation {name}; expected one of: {names}"),
            name=repr(name),
            names=", ".join(names()),
        ) from None


def custom_id(formula_text: str) -> str:
    """The id of a formula typed by the user (validated; ``ValueError`` says what is wrong)."""
    from actlab.formula import parse_formula

    formula = parse_formula(formula_text)
    if not formula.uses_x and "X" in formula.params:
        raise Refusal(
            N_(
                "the formula does not use x, so it is a constant, not an activation (names are "
                "case-sensitive: write x, not X); for example x * sigmoid(beta * x)"
            )
        )
    if not formula.uses_x:
        raise Refusal(
            N_(
                "the formula does not use x, so it is a constant, not an activation; "
                "for example x * sigmoid(beta * x)"
            )
        )
    return CUSTOM_PREFIX + formula.text


def is_custom(name: str) -> bool:
    return name.startswith(CUSTOM_PREFIX)


CUSTOM_LABEL = N_("Custom: {formula}")  # a typed formula's display name, in every language


def is_custom_label(label: str) -> bool:
    """Whether ``label`` is the display name of a typed formula, in any language (charts find
    a series' style from its label)."""
    return label.startswith(_custom_label_prefixes())


@cache
def _custom_label_prefixes() -> tuple[str, ...]:
    prefixes = []
    for code in i18n.LANGUAGES:
        with i18n.using(code):
            prefixes.append(_(CUSTOM_LABEL).split("{formula}")[0])
    return tuple(prefixes)


def _custom_entry(formula_text: str) -> Activation:
    """A session-defined activation, named in the current language."""
    return _custom_entry_in(formula_text, i18n.language())


@lru_cache(maxsize=128)
def _custom_entry_in(formula_text: str, language: str) -> Activation:
    """A session-defined activation: autograd gives f' and f''; there is no closed form.

    Kept per language: its display name, torch call and origin are words on the page.
    """
    from actlab.formula import PARAM_DEFAULT, PARAM_RANGE, parse_formula

    formula = parse_formula(formula_text)
    low, high = PARAM_RANGE
    return Activation(
        id=CUSTOM_PREFIX + formula.text,
        display_name=_(CUSTOM_LABEL).format(formula=formula.text),
        torch_call=_("custom formula: {formula}").format(formula=formula.text),
        forward=formula,
        derivative=None,
        latex_f="",  # shown as code: typed text is not trusted to be valid LaTeX
        latex_df="",
        description="Your own formula, parsed into a whitelisted torch expression.",
        origin=_("typed in this session"),
        params=tuple(
            Param(name, PARAM_DEFAULT, low, high, 0.01, "parameter found in your formula")
            for name in formula.params
        ),
    )


def display_name(name: str) -> str:
    return get(name).display_name


def resolve_params(name: str, params: Params | None = None) -> dict[str, float]:
    """Fill in torch defaults and check every value is finite and inside its allowed range."""
    activation = get(name)
    params = dict(params or {})
    known = {p.name for p in activation.params}
    unknown = sorted(set(params) - known)
    if unknown:
        if not known:
            raise Refusal(
                N_("{name} has no parameter {param} (parameters: none)"),
                name=name,
                param=repr(unknown[0]),
            )
        raise Refusal(
            N_("{name} has no parameter {param} (parameters: {allowed})"),
            name=name,
            param=repr(unknown[0]),
            allowed=", ".join(sorted(known)),
        )
    resolved: dict[str, float] = {}
    for spec in activation.params:
        raw = params.get(spec.name, spec.default)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise Refusal(
                N_("{name} must be a number, got {value}"),
                name=f"{name}.{spec.name}",
                value=repr(raw),
            ) from None
        if not math.isfinite(value):
            raise Refusal(
                N_("{param} must be finite, got {value}"),
                param=f"{name}.{spec.name}",
                value=repr(value),
            )
        if not spec.low <= value <= spec.high:
            raise Refusal(
                N_("{param}={value} is outside its allowed range [{low}, {high}]"),
                param=f"{name}.{spec.name}",
                value=f"{value:g}",
                low=f"{spec.low:g}",
                high=f"{spec.high:g}",
            )
        resolved[spec.name] = value
    _check_joint_constraints(name, resolved)
    return resolved


def _check_joint_constraints(name: str, p: dict[str, float]) -> None:
    if name == "rrelu" and p["lower"] > p["upper"]:
        raise Refusal(
            N_("rrelu needs lower ≤ upper, got lower={lower} > upper={upper}"),
            lower=f"{p['lower']:g}",
            upper=f"{p['upper']:g}",
        )
    if name == "xielu" and p["alpha_n"] <= p["beta"]:
        raise Refusal(
            N_(
                "xielu needs alpha_n > beta (α_n = β + softplus(a_n)), got "
                "alpha_n={alpha_n} ≤ beta={beta}"
            ),
            alpha_n=f"{p['alpha_n']:g}",
            beta=f"{p['beta']:g}",
        )
    if name == "hardtanh" and p["min_val"] >= p["max_val"]:
        raise Refusal(
            N_("hardtanh needs min_val < max_val, got min_val={min_val} ≥ max_val={max_val}"),
            min_val=f"{p['min_val']:g}",
            max_val=f"{p['max_val']:g}",
        )


def function(name: str, **params: float) -> Callable[[Tensor], Tensor]:
    """``f`` with validated parameters bound once: cheap to call inside a training loop."""
    activation = get(name)
    resolved = resolve_params(name, params)
    return lambda x: activation.forward(x, resolved)


def apply(name: str, x: Tensor, **params: float) -> Tensor:
    """Differentiable ``f(x)`` for any dtype/device, torch defaults filled in."""
    return function(name, **params)(x)


class ActivationModule(torch.nn.Module):
    """An ``nn.Module`` around a catalogue entry, for ``nn.Sequential`` models."""

    def __init__(self, name: str, **params: float) -> None:
        super().__init__()
        self.name = name
        self.params = resolve_params(name, params)
        self._f = function(name, **self.params)

    def forward(self, x: Tensor) -> Tensor:
        return self._f(x)

    def extra_repr(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}{'(' + args + ')' if args else ''}"


def module(name: str, **params: float) -> torch.nn.Module:
    return ActivationModule(name, **params)


def as_input(x: Sequence[float] | np.ndarray | Tensor) -> Tensor:
    """Turn user x into a 1-D floating tensor, rejecting empty or non-finite input."""
    tensor = x.detach() if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.float64)
    tensor = tensor.reshape(-1)
    if tensor.numel() == 0:
        raise Refusal(N_("x is empty: give at least one point"))
    finite = torch.isfinite(tensor)
    if not bool(finite.all()):
        bad = tensor[~finite][0].item()
        raise Refusal(N_("x must be finite, got {value}"), value=repr(bad))
    return tensor


def derivatives(name: str, x: Tensor, **params: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(f, f', f'')`` at ``x`` by autograd; f'' through ``create_graph``.

    Elementwise functions make ``grad(f.sum())`` the per-point derivative. Where torch's
    backward is itself constant (ReLU), f' has no graph and f'' is exactly 0.
    """
    activation = get(name)
    resolved = resolve_params(name, params)
    xg = x.detach().clone().requires_grad_(True)
    f = activation.forward(xg, resolved)
    (df,) = torch.autograd.grad(f.sum(), xg, create_graph=True)
    if not df.requires_grad:
        return f.detach(), df.detach(), torch.zeros_like(x)
    try:
        (d2f,) = torch.autograd.grad(df.sum(), xg, allow_unused=True, materialize_grads=True)
    except RuntimeError:
        # torch has no double backward for a few piecewise functions (hardsigmoid,
        # hardswish): differentiate the closed-form f' with autograd instead.
        xg2 = x.detach().clone().requires_grad_(True)
        if activation.derivative is None:
            raise
        exact = activation.derivative(xg2, resolved)
        if not exact.requires_grad:
            return f.detach(), df.detach(), torch.zeros_like(x)
        (d2f,) = torch.autograd.grad(exact.sum(), xg2, allow_unused=True, materialize_grads=True)
    return f.detach(), df.detach(), d2f.detach()


def evaluate(name: str, x: Sequence[float] | np.ndarray | Tensor, **params: float) -> pd.DataFrame:
    """f, f' and f'' by autograd plus the closed-form f', all in the dtype of ``x``.

    Columns: ``x, f, df, df_exact, d2f``; ``df_exact`` is NaN for a custom formula, which has
    no closed form. Raises ``ValueError`` for unknown names, bad parameters, or empty /
    non-finite x.
    """
    xt = as_input(x)
    resolved = resolve_params(name, params)
    f, df, d2f = derivatives(name, xt, **resolved)
    closed_form = get(name).derivative
    df_exact = closed_form(xt, resolved) if closed_form else torch.full_like(xt, math.nan)
    return pd.DataFrame(
        {
            "x": xt.numpy(),
            "f": f.numpy(),
            "df": df.numpy(),
            "df_exact": df_exact.numpy(),
            "d2f": d2f.numpy(),
        }
    )
