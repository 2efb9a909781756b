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

from actlab import activations, gated
from actlab.i18n import _
from actlab.training.config import CONV_NETS, IMAGE_SIDE, ConvNet, TrainingConfig

Dropout = Callable[[Tensor, bool], Tensor]  # (hidden outputs, training?) -> with dropout


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

    def train(self, mode: bool = True): ...  # dropout on (training) or off (evaluation)


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


def member_inits(config: TrainingConfig) -> list[str]:
    """Each member's initialisation (``config.INITS`` less the per-member rule)."""
    if config.init == "lecun_for_selu":
        return ["lecun_normal" if s.name == "selu" else "default" for s in config.activations]
    return [config.init] * len(config.activations)


def alpha_dropout_members(config: TrainingConfig) -> list[bool]:
    """Whether each member's dropout is alpha-dropout (else standard dropout)."""
    if config.dropout_kind == "alpha_for_selu":
        return [spec.name == "selu" for spec in config.activations]
    return [config.dropout_kind == "alpha"] * len(config.activations)


def dropout_functions(config: TrainingConfig) -> list[Dropout] | None:
    """Each member's dropout after a dense hidden layer, or ``None`` without dropout.

    ``F.dropout`` zeroes a unit with probability p and scales the rest by 1/(1-p);
    ``F.alpha_dropout`` sets it to SELU's negative saturation -λα and applies the affine map
    that keeps mean 0 and variance 1 (Klambauer et al. 2017, section "New Dropout Technique").
    """
    p = config.dropout
    if p == 0:
        return None

    def standard(x: Tensor, training: bool) -> Tensor:
        return F.dropout(x, p, training)

    def alpha(x: Tensor, training: bool) -> Tensor:
        return F.alpha_dropout(x, p, training)

    return [alpha if a else standard for a in alpha_dropout_members(config)]


def build_model(config: TrainingConfig, input_width: int, classes: int) -> StackedModel:
    """The stacked model ``config`` describes, on the CPU."""
    if any(gated.is_gated(spec.name) for spec in config.activations):
        from actlab.training.gated import build_gated_model  # it imports this module

        return build_gated_model(config, input_width, classes, build_model)
    functions, drops, inits = (
        hidden_functions(config),
        dropout_functions(config),
        member_inits(config),
    )
    if config.architecture != "mlp":
        net = CONV_NETS[config.architecture]
        return StackedCNN(net, classes, functions, config.seeds, inits=inits, dropouts=drops)
    sizes = (input_width, *config.hidden, classes)
    return StackedMLP(sizes, functions, config.seeds, inits=inits, dropouts=drops)


def formula_latex(config: TrainingConfig) -> list[str]:
    """The model and its loss as LaTeX lines, with the layer sizes filled in; the words in
    them (loss, sizes) in the page's language."""
    loss, cross_entropy = _("loss"), _("cross-entropy")
    loss_line = (
        rf"\text{{{loss}}} = -\log \operatorname{{softmax}}(z)_y \quad(\text{{{cross_entropy}}})"
    )
    if config.compare_at == "output":
        return [rf"z = W h + b,\qquad \text{{{loss}}} = \texttt{{nll\_loss}}(g(z), y) = -g(z)_y"]
    if config.architecture != "mlp":
        net = CONV_NETS[config.architecture]
        blocks = []
        for conv in net.convs:
            pool = r"\operatorname{avgpool}" if conv.pool == "avg" else r"\operatorname{maxpool}"
            conv_text = (
                rf"\operatorname{{conv}}_{{{conv.channels}@{conv.kernel}\times{conv.kernel}}}"
            )
            if conv.order == "act_pool":
                blocks.append(rf"{pool}(f({conv_text}))")
            else:
                blocks.append(rf"f({pool}({conv_text}))")
        dense, word = r" \to ".join(map(str, config.sizes)), _("dense")
        return [r" \to ".join(blocks) + rf",\quad \text{{{word} }} {dense}", loss_line]
    sizes, word = r" \to ".join(map(str, config.sizes)), _("sizes")
    return [rf"h_\ell = f(W_\ell h_{{\ell-1}} + b_\ell),\quad \text{{{word} }} {sizes}", loss_line]


def scale_pixels(pixels: Tensor, shift: float, scale: float, out: Tensor | None = None) -> Tensor:
    """uint8 rows ``[N, D]`` → float32 ``(x - shift) * scale``, written into ``out[:, :D]``
    when given (a model's wider input buffer), else into a new ``[N, D]`` tensor."""
    d = pixels.shape[1]
    out = torch.empty(len(pixels), d, device=pixels.device) if out is None else out
    out[:, :d].copy_(pixels).sub_(shift).mul_(scale)
    return out


def reinitialise(weight: Tensor, bias: Tensor, init: str, generator: torch.Generator) -> None:
    """Draw ``weight`` and ``bias`` again, in place, as ``init`` says (``config.INITS``)."""
    if init == "default":
        return
    if init == "xavier":  # d2l's init_cnn: Xavier-uniform weights, biases left as drawn
        torch.nn.init.xavier_uniform_(weight, generator=generator)
        return
    if init == "kaiming":
        torch.nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)
    elif init == "lecun_normal":  # N(0, 1 / fan_in): kaiming_normal_ with gain 1
        torch.nn.init.kaiming_normal_(
            weight, mode="fan_in", nonlinearity="linear", generator=generator
        )
    else:
        raise ValueError(f"unknown init {init!r}")  # internal: TrainingConfig checks it
    bias.zero_()


def initial_layers(
    shapes: Sequence[tuple[int, ...]], seed: int, init: str = "default"
) -> list[tuple[Tensor, Tensor]]:
    """Weights ``[out, in]`` or ``[out, in, k, k]`` and biases ``[out]`` of one member.

    First PyTorch's default, drawn exactly as ``nn.Linear`` / ``nn.Conv2d`` draw it (weights
    ``kaiming_uniform_(a=√5)``, biases U(-1/√fan_in, 1/√fan_in)), layer by layer from
    ``seed``; then, as a model built that way and re-initialised would, ``init``'s draw.
    """
    generator = torch.Generator().manual_seed(seed)
    layers = []
    for shape in shapes:
        weight = torch.empty(shape)
        torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
        fan_in = math.prod(shape[1:])
        bound = 1.0 / math.sqrt(fan_in)
        bias = torch.empty(shape[0]).uniform_(-bound, bound, generator=generator)
        layers.append((weight, bias))
    for weight, bias in layers:
        reinitialise(weight, bias, init, generator)
    return layers


def initial_weights(
    sizes: Sequence[int], seed: int, init: str = "default"
) -> list[tuple[Tensor, Tensor]]:
    """An MLP's ``initial_layers``: ``[(W [out, in], b)]`` for the widths ``sizes``."""
    return initial_layers([(b, a) for a, b in itertools.pairwise(sizes)], seed, init)


def member_initials(
    shapes: Sequence[tuple[int, ...]], seeds: Sequence[int], inits: Sequence[str]
) -> list[list[list[tuple[Tensor, Tensor]]]]:
    """``[seed][member]`` initial layers; members with the same init share their seed's draw."""
    cache: dict[tuple[int, str], list[tuple[Tensor, Tensor]]] = {}
    for seed in seeds:
        for init in inits:
            if (seed, init) not in cache:
                cache[seed, init] = initial_layers(shapes, seed, init)
    return [[cache[seed, init] for init in inits] for seed in seeds]


def hidden_outputs(
    z: Tensor,
    functions: Sequence[Callable[[Tensor], Tensor]],
    dropouts: Sequence[Dropout] | None,
    training: bool,
    dim: int,
) -> Tensor:
    """Each member's activation (then dropout) on its slice of ``z`` along ``dim``, restacked."""
    members = z.unbind(dim=dim)
    if dropouts is None:
        outs = [f(m) for f, m in zip(functions, members, strict=True)]
    else:
        outs = [
            drop(f(m), training) for f, drop, m in zip(functions, dropouts, members, strict=True)
        ]
    return torch.stack(outs, dim)


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
        *,
        inits: Sequence[str] | None = None,
        dropouts: Sequence[Dropout] | None = None,
    ) -> None:
        super().__init__()
        self.sizes = tuple(sizes)
        self.functions = list(hidden_functions)
        self.dropouts = None if dropouts is None else list(dropouts)
        self.S, self.A = len(seeds), len(self.functions)
        self.input_width = self.sizes[0]
        self.padded_width = padded_input_width(self.input_width)
        inits = list(inits or ["default"] * self.A)
        shapes = [(b, a) for a, b in itertools.pairwise(sizes)]
        per_member = member_initials(shapes, seeds, inits)  # [seed][member][layer]
        first = torch.zeros(self.S, self.A * self.sizes[1], self.padded_width)
        for s, members in enumerate(per_member):
            first[s, :, : self.input_width] = torch.cat([m[0][0] for m in members])
            first[s, :, self.input_width] = torch.cat([m[0][1] for m in members])
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(first)])
        self.biases = torch.nn.ParameterList()
        flat = [m for members in per_member for m in members]  # S·A members, seed-major
        for layer in range(1, len(sizes) - 1):
            w = torch.stack([m[layer][0] for m in flat])
            b = torch.stack([m[layer][1][:, None] for m in flat])
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
            h = hidden_outputs(z.view(S, A, -1, B), self.functions, self.dropouts, self.training, 1)
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


class StackedCNN(torch.nn.Module):
    """``S`` seeds × ``A`` activations CNNs (``config.CONV_NETS``) advanced by one call per layer.

    Channels are laid out ``[S, A, C]``: the first convolution has ``groups = S`` (seed ``s``
    reads input channel ``s``, its own batch, and writes its ``A`` members' maps), every later
    one ``groups = S·A`` (each member reads only its own maps). Pooling is per channel, so it
    needs no grouping. The flattened maps ``[S·A, B, C·H·W]`` (``nn.Flatten``'s order) feed
    the dense layers as ``baddbmm`` over members.
    """

    def __init__(
        self,
        net: ConvNet,
        classes: int,
        hidden_functions: Sequence[Callable[[Tensor], Tensor]],
        seeds: Sequence[int],
        *,
        inits: Sequence[str] | None = None,
        dropouts: Sequence[Dropout] | None = None,
    ) -> None:
        super().__init__()
        self.net = net
        self.functions = list(hidden_functions)
        self.dropouts = None if dropouts is None else list(dropouts)
        self.S, self.A = len(seeds), len(self.functions)
        inits = list(inits or ["default"] * self.A)
        shapes: list[tuple[int, ...]] = []
        in_channels = 1
        for conv in net.convs:
            shapes.append((conv.channels, in_channels, conv.kernel, conv.kernel))
            in_channels = conv.channels
        self.sizes = (net.flat_features, *net.dense, classes)
        shapes += [(b, a) for a, b in itertools.pairwise(self.sizes)]
        flat = [m for members in member_initials(shapes, seeds, inits) for m in members]
        n_conv = len(net.convs)
        self.conv_weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.cat([m[i][0] for m in flat])) for i in range(n_conv)
        )
        self.conv_biases = torch.nn.ParameterList(
            torch.nn.Parameter(torch.cat([m[i][1] for m in flat])) for i in range(n_conv)
        )
        self.weights = torch.nn.ParameterList(  # [S·A, out, in]
            torch.nn.Parameter(torch.stack([m[i][0] for m in flat]))
            for i in range(n_conv, len(shapes))
        )
        self.biases = torch.nn.ParameterList(  # [S·A, 1, out]
            torch.nn.Parameter(torch.stack([m[i][1][None, :] for m in flat]))
            for i in range(n_conv, len(shapes))
        )

    def inputs(self, pixels: Tensor, shift: float, scale: float) -> Tensor:
        """uint8 rows ``[N, 784]`` → float ``[N, 1, 28, 28]``."""
        return scale_pixels(pixels, shift, scale).view(-1, 1, IMAGE_SIDE, IMAGE_SIDE)

    def _activate(self, z: Tensor) -> Tensor:
        """The members' activations on conv maps ``[B, S·A·C, H, W]``."""
        B, _, H, W = z.shape
        h = hidden_outputs(z.view(B, self.S, self.A, -1, H, W), self.functions, None, False, 2)
        return h.view(B, -1, H, W)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``[S, B, 1, 28, 28]`` (or ``[S, B, 784]``) → logits ``[S, A, B, C]``."""
        S, A, B = self.S, self.A, x.shape[1]
        z = x.reshape(S, B, IMAGE_SIDE, IMAGE_SIDE).transpose(0, 1)  # seeds as channels
        groups = S
        for conv, weight, bias in zip(
            self.net.convs, self.conv_weights, self.conv_biases, strict=True
        ):
            z = F.conv2d(z, weight, bias, padding=conv.padding, groups=groups)
            pool = F.avg_pool2d if conv.pool == "avg" else F.max_pool2d
            z = (
                pool(self._activate(z), 2)
                if conv.order == "act_pool"
                else self._activate(pool(z, 2))
            )
            groups = S * A
        h = z.reshape(B, S * A, -1).transpose(0, 1)  # [S·A, B, C·H·W]
        last = len(self.weights) - 1
        for i, (weights, biases) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(biases, h, weights.transpose(1, 2))  # [S·A, B, out]
            if i < last:
                h = hidden_outputs(
                    h.view(S, A, B, -1), self.functions, self.dropouts, self.training, 1
                ).view(S * A, B, -1)
        return h.view(S, A, B, -1)

    def member_weights(self, seed_index: int, member: int) -> list[tuple[Tensor, Tensor]]:
        """One member's ``[(W, b)]``: conv ``[C, C_in, k, k]`` then dense ``[out, in]``."""
        index = seed_index * self.A + member
        layers = []
        for conv, w, b in zip(self.net.convs, self.conv_weights, self.conv_biases, strict=True):
            rows = slice(index * conv.channels, (index + 1) * conv.channels)
            layers.append((w[rows], b[rows]))
        for w, b in zip(self.weights, self.biases, strict=True):
            layers.append((w[index], b[index, 0]))
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
