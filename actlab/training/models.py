"""The models a training run trains: every activation (× seed) as one member of a stacked model.

The members' weights are stacked so one wide GEMM computes the first layer of all of them at
once and one ``bmm`` over all members each later layer. The members share the initial weights
of their seed, so the only difference between them is the activation.

The loop talks to a model only through ``StackedModel``: ``inputs`` puts uint8 pixels into the
model's own input layout, ``forward`` gives every member's logits, ``member_weights`` one
member's weights. ``build_model`` picks the model for a configuration; another architecture
(a stacked CNN, a gated MLP) is one more class with those three methods.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import Tensor

from actlab import activations
from actlab.training.config import TrainingConfig


class StackedModel(Protocol):
    """A ``torch.nn.Module`` holding ``S`` seeds × ``A`` members that the loop can train."""

    S: int  # seeds
    A: int  # members per seed (activations)

    def inputs(self, pixels: Tensor, shift: float, scale: float) -> Tensor:
        """uint8 images as rows ``[N, 784]`` → this model's float input ``[N, ...]``, scaled as
        ``(x - shift) * scale``."""
        ...

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[S, B, ...]`` (each seed its own batch) → logits ``[S, A, B, C]``."""
        ...

    def member_weights(self, seed_index: int, member: int) -> list[tuple[Tensor, Tensor]]:
        """One member's ``[(W, b)]``, detached."""
        ...

    def __call__(self, x: Tensor) -> Tensor: ...

    def parameters(self, recurse: bool = True): ...


def hidden_functions(config: TrainingConfig) -> list[Callable[[Tensor], Tensor]]:
    """Each member's hidden activation: its own, or ReLU when members differ at the output."""
    if config.compare_at == "output":
        return [activations.function("relu")] * len(config.activations)
    return [spec.resolve() for spec in config.activations]


def output_functions(config: TrainingConfig) -> list[Callable[[Tensor], Tensor]] | None:
    """Each member's function fed to ``nll_loss``, or ``None``: cross-entropy on the logits."""
    if config.compare_at == "output":
        return [spec.resolve() for spec in config.activations]
    return None


def build_model(config: TrainingConfig, input_width: int, classes: int) -> StackedModel:
    """The stacked model ``config`` describes, on the CPU."""
    sizes = (input_width, *config.hidden, classes)
    return StackedMLP(sizes, hidden_functions(config), config.seeds)


def formula_latex(config: TrainingConfig) -> list[str]:
    """The model and its loss as LaTeX lines, with the layer sizes filled in."""
    if config.compare_at == "output":
        return [r"z = W h + b,\qquad \text{loss} = \texttt{nll\_loss}(g(z), y) = -g(z)_y"]
    sizes = r" \to ".join(map(str, config.sizes))
    return [
        rf"h_\ell = f(W_\ell h_{{\ell-1}} + b_\ell),\quad \text{{sizes }} {sizes}",
        r"\text{loss} = -\log \operatorname{softmax}(z)_y \quad(\text{cross-entropy})",
    ]


def scale_pixels(pixels: Tensor, shift: float, scale: float, out: Tensor | None = None) -> Tensor:
    """uint8 rows ``[N, D]`` → float32 ``(x - shift) * scale``, written into ``out[:, :D]``
    when given (a model's wider input buffer), else into a new ``[N, D]`` tensor."""
    d = pixels.shape[1]
    out = torch.empty(len(pixels), d, device=pixels.device) if out is None else out
    out[:, :d].copy_(pixels).sub_(shift).mul_(scale)
    return out


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


def padded_input_width(width: int) -> int:
    """Input features plus the bias feature, rounded up to a multiple of 16 floats (64 bytes)."""
    return -(-(width + 1) // 16) * 16


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

    def inputs(self, pixels: Tensor, shift: float, scale: float) -> Tensor:
        """uint8 rows ``[N, D]`` straight into the padded ``[N, D']`` layout (bias feature and
        zeros): one buffer and no extra copy."""
        buffer = self.input_buffer(len(pixels), pixels.device)
        return scale_pixels(pixels, shift, scale, out=buffer)

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
