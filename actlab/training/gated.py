"""Gated MLP members for the batched MNIST trainer: hidden = φ(x W) ⊙ (x V), at matched size.

A gated hidden layer has two input matrices where a plain one has one, so its width is chosen
to give the whole network the plain MLP's parameter count (``matched_widths``): in a
Transformer block d → 4d → d that is Shazeer's 2/3 rule (3·d·h' = 2·d·4d, h' = 8d/3); for
784 → h → 10 the same matching gives h' ≈ h/2, because the input side dominates.

``StackedGatedMLP`` trains ``S`` seeds × ``G`` gated units the way ``StackedMLP`` trains plain
ones: the first layer of every member is one GEMM per seed on the padded input (bias feature
folded in), later layers one ``bmm`` over all members. ``MixedStackedModel`` puts plain and
gated members side by side in one model, fed the same batches, so the page's comparison stays
fair: same data order, same steps, same parameter count within 1 %.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from actlab import activations, gated
from actlab.i18n import _
from actlab.training.config import TrainingConfig
from actlab.training.models import padded_input_width, scale_pixels

MAX_RELATIVE_MISMATCH = 0.01  # matched parameter counts differ by less than 1 %


def plain_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of the plain MLP ``sizes`` (input, hidden…, output)."""
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def gated_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of the gated MLP ``sizes``: each hidden layer has W and V."""
    *hidden_pairs, last = list(itertools.pairwise(sizes))
    return sum(2 * (a * b + b) for a, b in hidden_pairs) + last[0] * last[1] + last[1]


def matched_widths(sizes: Sequence[int]) -> tuple[int, ...]:
    """Gated hidden widths whose network has the plain MLP ``sizes``' parameter count.

    All hidden widths are scaled by one factor c (their ratios kept), rounded, and the c whose
    rounded widths come closest to the plain count wins (a scan of c in steps of 1e-4).
    """
    sizes = tuple(sizes)
    hidden = sizes[1:-1]
    if not hidden:
        return ()
    target = plain_parameters(sizes)
    best: tuple[int, ...] = hidden
    best_gap = math.inf
    for step in range(1000, 10_001):
        c = step / 10_000
        widths = tuple(max(1, round(c * h)) for h in hidden)
        gap = abs(gated_parameters((sizes[0], *widths, sizes[-1])) - target)
        if gap < best_gap:
            best, best_gap = widths, gap
    return best


def gated_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """``(input, *matched hidden widths, output)``."""
    return (sizes[0], *matched_widths(sizes), sizes[-1])


@dataclass(frozen=True)
class WidthMatch:
    """How a configuration's gated members are sized against its plain MLP (one member each)."""

    gated_titles: tuple[str, ...]
    plain_sizes: tuple[int, ...]
    gated_sizes: tuple[int, ...]
    plain_parameters: int
    gated_parameters: int

    @property
    def relative_difference(self) -> float:
        """(gated − plain) / plain parameters."""
        return (self.gated_parameters - self.plain_parameters) / self.plain_parameters

    @property
    def text(self) -> str:
        """One sentence for the page: the widths, both parameter counts, the difference."""
        arrow = " → "
        gap = f"{self.relative_difference:+.2%}".replace("-", "−")
        if abs(self.relative_difference) < MAX_RELATIVE_MISMATCH:
            gap += _(", within {share}").format(share=f"{MAX_RELATIVE_MISMATCH:.0%}")
        else:
            gap += _(": hidden layers this narrow cannot be matched within {share}").format(
                share=f"{MAX_RELATIVE_MISMATCH:.0%}"
            )
        return _(
            "{units}: a gated layer φ(xW) ⊙ (xV) has two input matrices, so its hidden width is "
            "chosen to match the plain MLP's parameter count (the rule that gives gated "
            "Transformer FFNs 2/3 of 4d; here about 1/2, as the 784 inputs dominate): {gated}, "
            "{gated_parameters} parameters, against the plain {plain}, {plain_parameters} ({gap})."
        ).format(
            units=", ".join(self.gated_titles),
            gated=arrow.join(map(str, self.gated_sizes)),
            gated_parameters=f"{self.gated_parameters:,}",
            plain=arrow.join(map(str, self.plain_sizes)),
            plain_parameters=f"{self.plain_parameters:,}",
            gap=gap,
        )


def width_match(config: TrainingConfig) -> WidthMatch | None:
    """The gated members' matched widths and parameter counts, or ``None`` without any."""
    titles = tuple(spec.title for spec in config.activations if gated.is_gated(spec.name))
    if not titles or not config.hidden:
        return None
    plain = tuple(config.sizes)
    sizes = gated_sizes(plain)
    return WidthMatch(titles, plain, sizes, plain_parameters(plain), gated_parameters(sizes))


def _linear(fan_in: int, fan_out: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``nn.Linear(fan_in, fan_out)``'s default init drawn from ``generator``: W [out, in], b."""
    weight = torch.empty(fan_out, fan_in)
    torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(fan_in)
    bias = torch.empty(fan_out).uniform_(-bound, bound, generator=generator)
    return weight, bias


def initial_gated_weights(sizes: Sequence[int], seed: int) -> list[tuple[Tensor, Tensor]]:
    """``[(W1, b1), (V1, c1), …, (W_out, b_out)]`` as a textbook module draws them after
    ``torch.manual_seed(seed)`` when it creates, per hidden layer, the gate's ``nn.Linear``
    then the value's, and the output layer last."""
    generator = torch.Generator().manual_seed(seed)
    layers = []
    *hidden_pairs, (last_in, last_out) = list(itertools.pairwise(sizes))
    for fan_in, fan_out in hidden_pairs:
        layers.append(_linear(fan_in, fan_out, generator))  # gate W
        layers.append(_linear(fan_in, fan_out, generator))  # value V
    layers.append(_linear(last_in, last_out, generator))
    return layers


class StackedGatedMLP(torch.nn.Module):
    """``S`` seeds × ``G`` gated MLPs; each hidden layer is ``φ(W h + b) ⊙ (V h + c)``.

    ``sizes`` are the gated network's own widths (already matched). Layer 1 is one GEMM per
    seed: rows ``[W_m; V_m]`` of every member stacked in ``[S, G·2·H1, D']`` with the biases in
    the column of the constant-1 input feature (``models.padded_input_width``'s layout).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        gates: Sequence[Callable[[Tensor], Tensor]],
        seeds: Sequence[int],
    ) -> None:
        super().__init__()
        if len(sizes) < 3:
            raise ValueError("a gated MLP needs at least one hidden layer")  # internal: as below
        self.sizes = tuple(sizes)
        self.gates = list(gates)
        self.S, self.A = len(seeds), len(self.gates)
        self.input_width = self.sizes[0]
        self.padded_width = padded_input_width(self.input_width)
        per_seed = [initial_gated_weights(self.sizes, seed) for seed in seeds]
        h1, d = self.sizes[1], self.input_width
        first = torch.zeros(self.S, self.A * 2 * h1, self.padded_width)
        for s, layers in enumerate(per_seed):
            (w, b), (v, c) = layers[0], layers[1]
            block = torch.cat([torch.cat([w, b[:, None]], 1), torch.cat([v, c[:, None]], 1)])
            first[s, :, : d + 1] = block.repeat(self.A, 1)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(first)])
        self.biases = torch.nn.ParameterList()
        hidden_layers = len(self.sizes) - 2
        for layer in range(1, hidden_layers):  # later gated layers: W and V stacked
            w = torch.stack(
                [torch.cat([p[2 * layer][0], p[2 * layer + 1][0]]) for p in per_seed]
            ).repeat_interleave(self.A, 0)
            b = torch.stack(
                [torch.cat([p[2 * layer][1], p[2 * layer + 1][1]])[:, None] for p in per_seed]
            ).repeat_interleave(self.A, 0)
            self.weights.append(torch.nn.Parameter(w))  # [S·G, 2·out, in]
            self.biases.append(torch.nn.Parameter(b))  # [S·G, 2·out, 1]
        w_out = torch.stack([p[-1][0] for p in per_seed]).repeat_interleave(self.A, 0)
        b_out = torch.stack([p[-1][1][:, None] for p in per_seed]).repeat_interleave(self.A, 0)
        self.weights.append(torch.nn.Parameter(w_out))  # [S·G, C, H_last]
        self.biases.append(torch.nn.Parameter(b_out))

    def pad(self, x: Tensor) -> Tensor:
        """``[..., D]`` → ``[..., D']``: the constant-1 bias feature, then zeros."""
        padded = torch.zeros(*x.shape[:-1], self.padded_width, dtype=x.dtype, device=x.device)
        padded[..., : self.input_width] = x
        padded[..., self.input_width] = 1.0
        return padded

    def inputs(self, pixels: Tensor, shift: float, scale: float) -> Tensor:
        """uint8 rows ``[N, D]`` → the padded float layout ``[N, D']``."""
        buffer = torch.zeros(len(pixels), self.padded_width, device=pixels.device)
        buffer[:, self.input_width] = 1.0
        return scale_pixels(pixels, shift, scale, out=buffer)

    def _gate(self, z: Tensor, width: int) -> Tensor:
        """``z [S·G or S, G·2·H, B]`` → ``φ_m(a) ⊙ b`` per member, ``[S·G, H, B]``."""
        B = z.shape[-1]
        members = z.reshape(self.S, self.A, 2, width, B).unbind(dim=1)
        hidden = [phi(m[:, 0]) * m[:, 1] for phi, m in zip(self.gates, members, strict=True)]
        return torch.stack(hidden, 1).view(self.S * self.A, width, B)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``[S, B, D]`` (or padded ``[S, B, D']``) → logits ``[S, G, B, C]``."""
        if x.shape[-1] == self.input_width:
            x = self.pad(x)
        B = x.shape[1]
        h = self._gate(torch.bmm(self.weights[0], x.transpose(1, 2)), self.sizes[1])
        later = list(zip(list(self.weights)[1:], self.biases, strict=True))
        for (weights, biases), width in zip(later[:-1], self.sizes[2:-1], strict=True):
            h = self._gate(torch.baddbmm(biases, weights, h), width)
        weights, biases = later[-1]
        z = torch.baddbmm(biases, weights, h)  # [S·G, C, B]
        return z.view(self.S, self.A, -1, B).transpose(2, 3)

    def member_weights(self, seed_index: int, member: int) -> list[tuple[Tensor, Tensor]]:
        """One member's ``[(W1, b1), (V1, c1), …, (W_out, b_out)]`` (``initial_gated_weights``)."""
        h1, d = self.sizes[1], self.input_width
        rows = self.weights[0][seed_index, member * 2 * h1 : (member + 1) * 2 * h1]
        layers = [(rows[:h1, :d], rows[:h1, d]), (rows[h1:, :d], rows[h1:, d])]
        index = seed_index * self.A + member
        for w, b in zip(list(self.weights)[1:-1], self.biases[:-1], strict=True):
            half = w.shape[1] // 2
            layers += [(w[index, :half], b[index, :half, 0]), (w[index, half:], b[index, half:, 0])]
        layers.append((self.weights[-1][index], self.biases[-1][index, :, 0]))
        return [(w.detach(), b.detach()) for w, b in layers]


class MixedStackedModel(torch.nn.Module):
    """Plain and gated members of one configuration side by side, in the configuration's order.

    Both parts see the same padded inputs of the same batches; their logits are put back in
    member order, so the loop, the results and the charts need not know which is which.
    """

    def __init__(
        self, plain: torch.nn.Module | None, gated_part: StackedGatedMLP, order: list[int]
    ):
        super().__init__()
        self.plain = plain
        self.gated = gated_part
        self.S = gated_part.S
        self.A = (plain.A if plain is not None else 0) + gated_part.A
        # order[k]: the position in [*plain members, *gated members] of configuration member k
        self.order = order
        self.register_buffer("index", torch.tensor(order), persistent=False)

    def inputs(self, pixels: Tensor, shift: float, scale: float) -> Tensor:
        return self.gated.inputs(pixels, shift, scale)

    def forward(self, x: Tensor) -> Tensor:
        parts = [self.gated(x)] if self.plain is None else [self.plain(x), self.gated(x)]
        logits = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        return logits.index_select(1, self.index)

    def member_weights(self, seed_index: int, member: int) -> list[tuple[Tensor, Tensor]]:
        position = self.order[member]
        plain_count = self.plain.A if self.plain is not None else 0
        if position < plain_count:
            return self.plain.member_weights(seed_index, position)
        return self.gated.member_weights(seed_index, position - plain_count)


def build_gated_model(
    config: TrainingConfig,
    input_width: int,
    classes: int,
    build_plain: Callable[[TrainingConfig, int, int], torch.nn.Module],
) -> MixedStackedModel:
    """The model of a configuration with at least one gated member (``build_plain`` builds the
    plain members' model, from a copy of ``config`` that lists only them)."""
    # internal: TrainingConfig refuses each of these first, in the visitor's language
    if getattr(config, "architecture", "mlp") != "mlp":
        raise ValueError("gated units are MLP blocks: choose the MLP architecture for them")
    if getattr(config, "init", "default") != "default":  # internal: as above
        raise ValueError("gated members start from PyTorch's default init only")
    if getattr(config, "dropout", 0.0):  # internal: as above
        raise ValueError("gated members are trained without dropout: set dropout to 0")
    if not config.hidden:  # internal: as above
        raise ValueError("a gated unit needs a hidden layer: give at least one hidden width")
    specs = config.activations
    plain_members = [k for k, spec in enumerate(specs) if not gated.is_gated(spec.name)]
    gated_members = [k for k, spec in enumerate(specs) if gated.is_gated(spec.name)]
    plain = None
    if plain_members:
        plain_config = replace(config, activations=tuple(specs[k] for k in plain_members))
        plain = build_plain(plain_config, input_width, classes)
    sizes = gated_sizes((input_width, *config.hidden, classes))
    gates = [activations.function(gated.get(specs[k].name).gate) for k in gated_members]
    gated_part = StackedGatedMLP(sizes, gates, config.seeds)
    position = {k: i for i, k in enumerate([*plain_members, *gated_members])}
    return MixedStackedModel(plain, gated_part, [position[k] for k in range(len(specs))])
