"""actlab.training.gated: the batched gated MLP against a textbook gated FFN, matched sizes."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from mnist_fixtures import small, weights_of

from actlab import training
from actlab.training import TrainingConfig
from actlab.training import gated as trainer_gated

# Each gated unit's gate φ, written with torch directly (not through the catalogue).
GATES = {"glu": torch.sigmoid, "reglu": F.relu, "geglu": F.gelu, "swiglu": F.silu}


class GatedFFN(torch.nn.Module):
    """The textbook block, as LLaMA writes it: ``out(φ(w(x)) * v(x))``, one per hidden layer."""

    def __init__(self, sizes: tuple[int, ...], gate) -> None:
        super().__init__()
        self.w, self.v = torch.nn.ModuleList(), torch.nn.ModuleList()
        for a, b in itertools.pairwise(sizes[:-1]):
            self.w.append(torch.nn.Linear(a, b))  # created gate first, then value
            self.v.append(torch.nn.Linear(a, b))
        self.out = torch.nn.Linear(sizes[-2], sizes[-1])
        self.gate = gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for w, v in zip(self.w, self.v, strict=True):
            x = self.gate(w(x)) * v(x)
        return self.out(x)

    def layers(self) -> list[torch.Tensor]:
        """Weights in ``member_weights``' order: W1, b1, V1, c1, …, W_out, b_out."""
        out = []
        for w, v in zip(self.w, self.v, strict=True):
            out += [w.weight, w.bias, v.weight, v.bias]
        return [*out, self.out.weight, self.out.bias]


def textbook_model(sizes: tuple[int, ...], gate, seed: int) -> GatedFFN:
    torch.manual_seed(seed)  # nn.Linear's own default init, drawn in creation order
    return GatedFFN(sizes, gate)


@pytest.mark.parametrize(
    ("hidden", "optimizer"), [((32,), "sgd"), ((32,), "adam"), ((24, 12), "sgd")]
)
def test_batched_gated_training_equals_a_textbook_gated_ffn_fed_the_same_batches(hidden, optimizer):
    names = ("relu", "swiglu", "geglu", "glu", "reglu")
    config = small(activations=names, hidden=hidden, optimizer=optimizer, lr=0.05, train_limit=600)
    result = training.train(config)
    data = training.tensor_data(config)
    sizes = trainer_gated.gated_sizes((784, *hidden, 10))
    # train() draws each epoch's order from this stream (seed 0 -> 2**32).
    order = torch.randperm(600, generator=torch.Generator().manual_seed(2**32))
    batches = [order[start : start + 50] for start in range(0, 600, 50)]

    def fit(model: torch.nn.Module) -> None:
        if optimizer == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for index in batches:
            x = ((data.train_x[index].double() - data.shift) * data.scale).float()
            loss = F.cross_entropy(model(x), data.train_y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()

    # float32 sums in another order; Adam divides by sqrt(v), so a pixel that rarely gets a
    # gradient turns that into up to ~5e-4 (measured; a wrong step would be off by ~lr = 0.05).
    atol = 1e-6 if optimizer == "sgd" else 1e-3
    for member, name in enumerate(names):
        if name == "relu":  # the plain member beside them learns as if it were alone
            plain = torch.nn.Sequential()
            widths = (784, *hidden, 10)
            layers = training.initial_weights(widths, seed=0)
            for k, (w, b) in enumerate(layers):
                linear = torch.nn.Linear(w.shape[1], w.shape[0])
                with torch.no_grad():
                    linear.weight.copy_(w)
                    linear.bias.copy_(b)
                plain.append(linear)
                if k < len(layers) - 1:
                    plain.append(torch.nn.ReLU())
            fit(plain)
            want = [t for m in plain if isinstance(m, torch.nn.Linear) for t in (m.weight, m.bias)]
        else:
            model = textbook_model(sizes, GATES[name], seed=0)
            fit(model)
            want = model.layers()
        got = weights_of(result, 0, member)
        assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
        for mine, reference in zip(got, want, strict=True):
            torch.testing.assert_close(mine, reference.detach(), rtol=1e-3, atol=atol)


def test_initial_gated_weights_are_a_textbook_modules_after_manual_seed():
    sizes = (784, 40, 20, 10)
    for seed in (0, 3):
        want = textbook_model(sizes, F.silu, seed).layers()
        got = [t for pair in trainer_gated.initial_gated_weights(sizes, seed) for t in pair]
        for mine, reference in zip(got, want, strict=True):
            torch.testing.assert_close(mine, reference.detach(), rtol=0, atol=0)
    # The catalogue gate of each unit is the torch function above.
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    for name, gate in GATES.items():
        spec = training.ActivationSpec(name)
        torch.testing.assert_close(spec.resolve()(x), gate(x))


@pytest.mark.parametrize(
    "hidden", [(8,), (16,), (32,), (64,), (128,), (256,), (512,), (1000,), (256, 128), (512, 256)]
)
def test_the_matched_gated_mlp_has_the_plain_parameter_count_within_one_percent(hidden):
    plain = torch.nn.Sequential(
        *[torch.nn.Linear(a, b) for a, b in zip((784, *hidden), (*hidden, 10), strict=True)]
    )
    plain_count = sum(p.numel() for p in plain.parameters())
    sizes = trainer_gated.gated_sizes((784, *hidden, 10))
    gated_count = sum(p.numel() for p in GatedFFN(sizes, F.silu).parameters())
    assert abs(gated_count - plain_count) / plain_count < 0.01
    config = TrainingConfig(activations=("relu", "swiglu"), hidden=hidden)
    match = training.width_match(config)
    assert (match.plain_parameters, match.gated_parameters) == (plain_count, gated_count)
    assert match.gated_sizes == sizes and abs(match.relative_difference) < 0.01
    # The trainer's member really has those widths.
    model = training.build_model(config, 784, 10)
    layers = model.member_weights(0, 1)
    assert [w.shape[0] for w, _ in layers[::2][:-1]] == list(sizes[1:-1])


def test_shazeers_two_thirds_rule_for_a_transformer_ffn():
    # d → 4d → d: matched gated width 2/3 of 4d = 8d/3 (Shazeer 2020; LLaMA's FFN sizing).
    for d in (96, 768):
        (width,) = trainer_gated.matched_widths((d, 4 * d, d))
        assert abs(width - 8 * d / 3) <= 1


def test_width_match_in_words_by_hand():
    config = TrainingConfig(activations=("relu", "swiglu", "geglu"), hidden=(128,))
    match = training.width_match(config)
    # plain 784·128 + 128 + 128·10 + 10 = 101,770; gated h = 64: 2·(784·64 + 64) + 64·10 + 10
    assert match.plain_parameters == 101_770 and match.gated_parameters == 101_130
    assert match.relative_difference == pytest.approx(-640 / 101_770)
    assert match.text.endswith(
        "784 → 64 → 10, 101,130 parameters, against the plain 784 → 128 → 10, 101,770 "
        "(−0.63%, within 1%)."
    )
    assert match.text.startswith("SwiGLU, GEGLU: a gated layer φ(xW) ⊙ (xV)")
    tiny = training.width_match(TrainingConfig(activations=("glu",), hidden=(1,)))
    assert "cannot be matched within 1%" in tiny.text  # one unit cannot be halved
    assert training.width_match(TrainingConfig(activations=("relu",))) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"architecture": "lenet5"}, "SwiGLU is a gated MLP block: choose the MLP architecture"),
        ({"hidden": ()}, "SwiGLU is a gated MLP block: it needs at least one hidden layer"),
        ({"init": "xavier"}, "set init default"),
        ({"dropout": 0.1}, "trained without dropout: set dropout to 0"),
        ({"compare_at": "output"}, "SwiGLU is a gated hidden block: use compare_at='hidden'"),
    ],
)
def test_a_gated_configuration_the_trainer_cannot_build_is_refused_up_front(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**({"activations": ("relu", "swiglu")} | changes))
