"""Gradient norms and layer statistics against independent computations; the probe's cost.

The short trainings and dead units: tests/test_short_training.py.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab import activations, budget
from actlab import gradients as gr
from actlab.bundled import bundled_mnist

pytestmark = pytest.mark.usefixtures("one_thread")


def weights(model: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in gr.linear_modules(model)]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def hand_backprop(
    params: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, y: np.ndarray, f, df
) -> tuple[list[float], list[float], list[np.ndarray], list[np.ndarray]]:
    """Weight-gradient norms by the textbook recursion, in numpy (no autograd anywhere).

    δ_L = (softmax(z_L) − onehot(y)) / N,   δ_l = f′(z_l) ⊙ (δ_{l+1} W_{l+1}),
    ∂L/∂W_l = δ_lᵀ h_{l−1}.
    """
    hs, zs = [x], []
    for i, (w, b) in enumerate(params):
        z = hs[-1] @ w.T + b
        zs.append(z)
        if i < len(params) - 1:
            hs.append(f(z))
    logits = zs[-1]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = (p - np.eye(p.shape[1])[y]) / len(y)
    norms, signals = [], []
    for i in range(len(params) - 1, -1, -1):
        norms.append(float(np.linalg.norm(delta.T @ hs[i])))
        signals.append(float(np.linalg.norm(delta)))
        if i > 0:
            delta = df(zs[i - 1]) * (delta @ params[i][0])
    return norms[::-1], signals[::-1], hs[1:], zs[:-1]


HAND = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "identity": (lambda z: z, np.ones_like),
}


@pytest.mark.parametrize("activation", sorted(HAND))
@pytest.mark.parametrize("init", ["pytorch_default", "kaiming"])
def test_norms_and_stats_match_hand_backprop(activation, init):
    depth, width, batch, seed = 4, 8, 16, 3
    model = gr.build_mlp(activation, depth, width, init, seed)
    x, y = gr.mnist_batch(batch, seed)
    f, df = HAND[activation]
    norms, signals, hidden, pre = hand_backprop(weights(model), x.numpy(), y.numpy(), f, df)
    result = gr.probe(activation, depth, width, init, seed, batch_size=batch)
    assert result.norms["layer"].tolist() == [1, 2, 3, 4]
    assert result.norms["norm"].tolist() == pytest.approx(norms, rel=1e-10)
    assert result.norms["signal_norm"].tolist() == pytest.approx(signals, rel=1e-10)
    assert result.norms["shape"].tolist() == ["8×784", "8×8", "8×8", "10×8"]
    assert result.stats["mean"].tolist() == pytest.approx([h.mean() for h in hidden], abs=1e-12)
    assert result.stats["std"].tolist() == pytest.approx([h.std() for h in hidden], abs=1e-12)
    saturated = [float((np.abs(df(z)) < gr.SATURATED_SLOPE).mean()) for z in pre]
    assert result.stats["saturated"].tolist() == pytest.approx(saturated, abs=1e-12)


def test_norms_match_autograd_on_a_functional_net():
    """The same numbers from a forward pass written out with torch ops and autograd.grad."""
    depth, width, seed = 5, 6, 1
    params = [
        (m.weight.detach().clone().requires_grad_(True), m.bias.detach().clone())
        for m in gr.linear_modules(gr.build_mlp("tanh", depth, width, "xavier", seed))
    ]
    x, y = gr.mnist_batch(32, seed)
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w.T + b
        if i < depth - 1:
            h = torch.tanh(h)
    grads = torch.autograd.grad(F.cross_entropy(h, y), [w for w, _ in params])
    expected = [float(g.norm()) for g in grads]
    got = gr.gradient_norms("tanh", depth, width, "xavier", seed, batch_size=32)
    assert got["norm"].tolist() == pytest.approx(expected, rel=1e-12)


def test_identity_net_with_orthogonal_init_keeps_hidden_norms_flat():
    # W_l = Q_l orthogonal: δ and h keep their norms through every square layer, so all
    # hidden-to-hidden layers (2 .. L−1) get exactly the same gradient norm.
    norms = gr.gradient_norms("identity", 12, 32, "orthogonal", seed=5)["norm"].to_numpy()
    hidden = norms[1:-1]
    assert np.ptp(hidden) / hidden.mean() < 1e-10
    # Flat only through orthogonality: a normal init of the same expected scale fluctuates.
    scale = 32**-0.5
    normal = gr.gradient_norms("identity", 12, 32, "normal", seed=5, std=scale)["norm"].to_numpy()
    assert np.ptp(normal[1:-1]) / normal[1:-1].mean() > 0.05


@pytest.mark.parametrize("depth", [5, 10, 20])
@pytest.mark.parametrize("seed", [0, 1])
def test_sigmoid_gradients_shrink_towards_the_input_at_default_init(depth, seed):
    norms = gr.gradient_norms("sigmoid", depth, 64, "pytorch_default", seed)
    # The backpropagated signal ‖∂L/∂z_l‖ shrinks at every layer, down to the first.
    assert np.all(np.diff(norms["signal_norm"]) > 0), norms
    # ∂L/∂W_l = δ_lᵀ h_(l−1) shrinks from layer 2 on; layer 1's input is the 784-pixel image
    # (not a sigmoid output in (0, 1)), which lifts its weight gradient a little.
    assert np.all(np.diff(norms["norm"].iloc[1:]) > 0), norms
    if depth == 20:
        assert norms["norm"].iloc[0] / norms["norm"].iloc[-1] < 1e-10


def test_relu_with_he_init_does_not_vanish_like_sigmoid():
    relu = gr.gradient_norms("relu", 20, 128, "kaiming", 0)["norm"].to_numpy()
    sig = gr.gradient_norms("sigmoid", 20, 128, "kaiming", 0)["norm"].to_numpy()
    assert 0.1 < relu[1] / relu[-2] < 10
    assert sig[1] / sig[-2] < 1e-6


def test_relu_init_scale_shifts_every_layer_by_the_same_power():
    # No biases and ReLU(a·z) = a·ReLU(z): scaling every W by 2 scales δ_l by 2^(L−l) and
    # h_(l−1) by 2^(l−1), so every ∂L/∂W_l by 2^(L−1), as long as the logits stay small enough
    # for softmax to be ~uniform (δ_L ≈ constant).
    small = gr.gradient_norms("relu", 6, 64, "normal", 0, std=0.01)["norm"].to_numpy()
    double = gr.gradient_norms("relu", 6, 64, "normal", 0, std=0.02)["norm"].to_numpy()
    assert (double / small).tolist() == pytest.approx([2.0**5] * 6, rel=1e-3)


def test_larger_init_scale_flattens_the_sigmoid_curve():
    first_over_last = []
    for std in (0.05, 0.1, 0.3):
        norms = gr.gradient_norms("sigmoid", 10, 64, "normal", 0, std=std)["norm"].to_numpy()
        first_over_last.append(norms[0] / norms[-1])
    assert first_over_last == sorted(first_over_last)
    assert first_over_last[0] < 1e-7 and first_over_last[-1] > 1e-4


def test_sigmoid_bound_is_anchored_at_the_last_layer():
    norms = pd.DataFrame({"layer": [1, 2, 3, 4], "norm": [1e-5, 1e-3, 0.1, 2.0]})
    bound = gr.sigmoid_bound(norms)
    assert bound["bound"].tolist() == pytest.approx([2.0 / 64, 2.0 / 16, 2.0 / 4, 2.0], rel=1e-15)


def test_same_arguments_same_numbers_and_same_weights_across_activations():
    a = gr.probe("relu", 6, 16, "xavier", 7)
    b = gr.probe("relu", 6, 16, "xavier", 7)
    pd.testing.assert_frame_equal(a.norms, b.norms)
    pd.testing.assert_frame_equal(a.histograms, b.histograms)
    other = gr.gradient_norms("relu", 6, 16, "xavier", 8)
    assert not np.allclose(other["norm"], a.norms["norm"])
    for (w1, b1), (w2, b2) in zip(
        weights(gr.build_mlp("relu", 6, 16, "xavier", 7)),
        weights(gr.build_mlp("sigmoid", 6, 16, "xavier", 7)),
        strict=True,
    ):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)


def test_pytorch_default_init_is_nn_linear_with_the_same_seed():
    torch.manual_seed(11)
    reference = [nn.Linear(784, 20, dtype=torch.float64), nn.Linear(20, 20, dtype=torch.float64)]
    reference.append(nn.Linear(20, 10, dtype=torch.float64))
    ours = gr.linear_modules(gr.build_mlp("relu", 3, 20, "pytorch_default", 11))
    for mine, theirs in zip(ours, reference, strict=True):
        assert torch.equal(mine.weight, theirs.weight)
        assert torch.equal(mine.bias, theirs.bias)


def test_init_schemes_have_their_defining_scale():
    with torch.no_grad():  # reading weights only
        width = 512
        layers = gr.linear_modules(gr.build_mlp("relu", 3, width, "kaiming", 0))
        assert float(layers[1].weight.std()) == pytest.approx(math.sqrt(2 / width), rel=0.02)
        layers = gr.linear_modules(gr.build_mlp("relu", 3, width, "xavier", 0))
        bound = math.sqrt(6 / (width + width))
        assert float(layers[1].weight.abs().max()) <= bound
        assert float(layers[1].weight.abs().max()) > 0.99 * bound
        layers = gr.linear_modules(gr.build_mlp("relu", 3, 64, "orthogonal", 0))
        w = layers[1].weight
        assert torch.allclose(w @ w.T, torch.eye(64, dtype=w.dtype), atol=1e-12)
        layers = gr.linear_modules(gr.build_mlp("relu", 3, width, "normal", 0, std=0.2))
        assert float(layers[1].weight.std()) == pytest.approx(0.2, rel=0.02)
        assert all(float(layer.bias.abs().max()) == 0 for layer in layers)
        layers = gr.linear_modules(gr.build_mlp("relu", 3, 16, "kaiming", 0, bias=-0.5))
        assert torch.equal(layers[0].bias, torch.full((16,), -0.5, dtype=torch.float64))
        assert float(layers[2].bias.abs().max()) == 0  # the output layer keeps its init's bias


def test_histogram_matches_numpy():
    values = torch.linspace(-3, 5, 1001, dtype=torch.float64) ** 3
    table = gr.histogram(values, bins=20)
    counts, edges = np.histogram(values.numpy(), bins=20)
    assert table["count"].tolist() == counts.tolist()
    assert table["bin_start"].tolist() == pytest.approx(edges[:-1].tolist())
    assert table["share"].sum() == pytest.approx(1.0)
    with_zeros = torch.log10(torch.tensor([0.0, 1.0, 10.0, 100.0]))
    share = gr.histogram(with_zeros, bins=2)["share"].sum()
    assert share == pytest.approx(0.75)  # log10(0) = −inf is left out
    huge = gr.histogram(torch.tensor([-1.5e308, 0.0, 1e308, 1.7e308], dtype=torch.float64))
    assert huge["count"].sum() == 4 and np.isfinite(huge[["bin_start", "bin_end"]]).all(axis=None)
    assert huge["bin_start"].iloc[0] == -1.5e308 and huge["bin_end"].iloc[-1] == 1.7e308
    constant = gr.histogram(torch.zeros(5))
    assert constant[["bin_start", "bin_end", "count", "share"]].values.tolist() == [[0, 0, 5, 1]]


def test_relu_activation_histogram_has_the_zero_share_of_its_stats():
    result = gr.probe("relu", 4, 32, "kaiming", 2)
    zero_share = result.stats.set_index("layer")["zero"]
    bins = result.histograms
    for layer in (1, 2, 3):
        rows = bins[(bins["layer"] == layer) & (bins["quantity"] == "activation")]
        assert rows["share"].sum() == pytest.approx(1.0)
        assert rows["share"].iloc[0] >= zero_share[layer]  # every exact 0 is in the first bin
        assert 0.3 < zero_share[layer] < 0.7


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: gr.gradient_norms("relu", 1, 8), "depth"),
        (lambda: gr.gradient_norms("relu", 51, 8), "depth"),
        (lambda: gr.gradient_norms("relu", 3, 0), "width"),
        (lambda: gr.gradient_norms("relu", 3, 8, "he"), "init"),
        (lambda: gr.gradient_norms("nope", 3, 8), "activation"),
        (lambda: gr.gradient_norms("relu", 3, 8, "normal", std=-1.0), "std"),
        (lambda: gr.gradient_norms("relu", 3, 8, seed=-1), "seed"),
        (lambda: gr.gradient_norms("relu", 3, 8, batch_size=0), "batch size"),
        (lambda: gr.gradient_norms("leaky_relu", 3, 8, params={"slope": 1}), "slope"),
    ],
)
def test_bad_input_raises_a_value_error_naming_it(call, named):
    with pytest.raises(ValueError, match=named):
        call()


def test_a_typed_activation_that_breaks_the_loss_is_a_value_error():
    with pytest.raises(ValueError, match=r"Custom: log\(x\) makes the loss nan"):
        gr.gradient_norms(activations.custom_id("log(x)"), 4, 16, seed=0)


def test_standardisation_uses_the_bundled_pixels_exact_moments():
    images, _ = bundled_mnist("train")
    pixels = images.astype(np.float64)
    mean, std = gr.bundled_pixel_moments()
    assert mean == pytest.approx(pixels.mean(), rel=1e-14)
    assert std == pytest.approx(pixels.std(), rel=1e-14)
    x = gr.standardised(images)
    assert float(x.mean()) == pytest.approx(0.0, abs=1e-10)  # summation rounding over 4M pixels
    assert float(x.std(correction=0)) == pytest.approx(1.0, rel=1e-10)


def test_comparison_stacks_the_probes_and_anchors_the_reference_at_sigmoid():
    probes = [gr.probe(name, 5, 16, "xavier", 1, batch_size=32) for name in ("relu", "sigmoid")]
    view = gr.compare(probes, "signal_norm")
    assert view.norms["activation"].tolist() == ["ReLU"] * 5 + ["Sigmoid"] * 5
    pd.testing.assert_frame_equal(view.reference, gr.sigmoid_bound(probes[1].norms, "signal_norm"))
    assert view.table["sigmoid_reference"].tolist() == 2 * view.reference["bound"].tolist()
    first_last = view.first_last.set_index("activation")
    relu = probes[0].norms["norm"]
    assert first_last.loc["ReLU", "first / last"] == relu.iloc[0] / relu.iloc[-1]
    assert first_last.loc["Sigmoid", "loss"] == probes[1].loss
    assert view.left_out == 0 and len(view.stats) == 2 * 4
    rows = view.histogram(2, "activation")
    assert set(rows["layer"]) == {2} and set(rows["activation"]) == {"ReLU", "Sigmoid"}
    assert rows["share"].sum() == pytest.approx(2.0)  # all of each activation's values
    gradients = view.histogram(5, "log10 |weight gradient|")
    assert set(gradients["layer"]) == {5} and set(gradients["quantity"]) == {
        "log10 |weight gradient|"
    }
    without = gr.compare(probes[:1])
    assert without.reference is None and without.table.equals(without.norms)
    assert gr.compare(probes, reference=False).reference is None


def test_a_norm_that_cannot_sit_on_a_log_axis_is_counted():
    probe = gr.probe("relu", 3, 8, "normal", 0, std=0.001, batch_size=8)
    norms = probe.norms.assign(norm=[0.0, math.inf, 1.0])
    view = gr.compare([replace(probe, norms=norms)])
    assert view.left_out == 2


def test_histogram_layers_are_the_hidden_layers_or_every_weight_layer():
    assert gr.histogram_layers(20, "activation") == 19
    assert gr.histogram_layers(20, "log10 |weight gradient|") == 20
    assert gr.histogram_layers(2, "activation") == 1
    with pytest.raises(ValueError, match="quantity"):
        gr.histogram_layers(20, "bias")
    with pytest.raises(ValueError, match="measure"):
        gr.compare([], "loss")
    with pytest.raises(ValueError, match="at least one"):
        gr.compare([])


# --- memory and cost of the probe ---------------------------------------------------------------


def test_checkpointed_probe_gives_exactly_the_numbers_of_the_whole_net(monkeypatch):
    whole = gr.probe("tanh", 12, 48, "orthogonal", 3, batch_size=64)
    monkeypatch.setattr(budget, "PROBE_KEEP_BYTES", 1)  # every segment drawn and run again
    assert gr.segment_length(12, 48, 64, budget.PROBE_KEEP_BYTES) < 12
    again = gr.probe("tanh", 12, 48, "orthogonal", 3, batch_size=64)
    for table in ("norms", "stats", "histograms"):
        pd.testing.assert_frame_equal(
            getattr(whole, table), getattr(again, table), check_exact=True
        )


def test_layers_drawn_again_are_the_weights_of_build_mlp():
    layers = gr._Layers(gr.layer_sizes(5, 16), "kaiming", 4, 0.05)
    first = [layers[i] for i in range(5)]
    model = gr.linear_modules(gr.build_mlp("relu", 5, 16, "kaiming", 4))
    for index in [3, 0, 4, 1]:  # any order once drawn
        again = layers[index]
        assert torch.equal(again.weight, model[index].weight)
        assert torch.equal(again.bias, first[index].bias)
    with pytest.raises(IndexError):
        gr._Layers(gr.layer_sizes(5, 16), "kaiming", 4, 0.05)[2]  # not drawn in order


def test_segments_only_where_the_whole_net_would_not_fit():
    assert gr.segment_length(20, 128, 256, budget.PROBE_KEEP_BYTES) == 20  # the default view
    span = gr.segment_length(50, 512, 256, budget.PROBE_KEEP_BYTES)
    assert 1 < span < 10  # ~√50 checkpoints, ~√50 layers held


def test_histogram_table_matches_per_layer_histograms():
    values = [torch.randn(64, 8, dtype=torch.float64) for _ in range(3)]
    values[1][:] = 2.0  # a constant layer: one bin
    parts = [(i + 1, "activation", gr.histogram_bins(v)) for i, v in enumerate(values)]
    table = gr._histogram_table("ReLU", parts)
    for layer, v in enumerate(values, start=1):
        rows = table[table["layer"] == layer].drop(columns=["activation", "layer", "quantity"])
        pd.testing.assert_frame_equal(rows.reset_index(drop=True), gr.histogram(v))
    assert set(table["activation"]) == {"ReLU"} and len(table) == 40 + 1 + 40


def test_probe_cost_grows_with_depth_width_and_orthogonal_init():
    base = gr.probe_seconds(20, 128)
    assert gr.probe_seconds(40, 128) > base and gr.probe_seconds(20, 256) > base
    assert gr.probe_seconds(50, 512, "orthogonal") > 2 * gr.probe_seconds(50, 512)
    assert gr.probe_seconds(50, 512) == pytest.approx(3.8, rel=0.1)  # measured: 3.1-3.8 s


def test_a_view_over_the_cost_cap_is_a_value_error_naming_the_cap():
    limit = budget.PROBE_SECONDS_PER_REQUEST
    everything = activations.names()
    with pytest.raises(ValueError, match=rf"cap of {limit:g} CPU-seconds per view") as error:
        gr.check_probe_budget(everything, 50, 512)
    assert f"{len(everything)} activations × depth 50 × width 512" in str(error.value)
    assert "at most 3 of them" in str(error.value)
    gr.check_probe_budget(["mish", "gelu", "selu"], 50, 512)
    gr.check_probe_budget([*everything, "custom:x * sigmoid(x)"], 20, 128)  # the default view
    with pytest.raises(ValueError, match="not even one of them"):
        gr.check_probe_budget(["relu"], 50, 1024, "orthogonal")


def test_a_long_typed_formula_costs_what_its_timing_says():
    long = activations.custom_id("+".join(["erf(sin(x))*tanh(exp(x)/3)"] * 15))
    assert gr.elementwise_seconds(long) > 3 * gr.elementwise_seconds("mish")
    assert gr.probe_seconds(50, 512, activation=long) > 2 * gr.probe_seconds(50, 512)
    # Cheap formulas cost what the catalogue's fit says (Mish is its costliest function).
    assert gr.probe_seconds(50, 512, activation="custom:x") == gr.probe_seconds(50, 512)
    with pytest.raises(ValueError, match="at most 1 of them"):
        gr.check_probe_budget(["relu", long], 50, 512)


PEAK_SCRIPT = """
import sys
import torch
from actlab import gradients as gr
torch.set_num_threads(1)
gr.probe("relu", 3, 8)  # the bundled digits and first-call setup before the baseline
def status_mib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
before = status_mib("VmRSS")
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # VmHWM := VmRSS (getrusage's peak would include the parent's RSS at fork)
gr.probe(sys.argv[1], 50, 512)
print(status_mib("VmHWM") - before)
"""


@pytest.mark.slow  # ~6.5 s: a fresh interpreter imports torch, then one 50 × 512 probe
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("activation", ["sigmoid", "swiglu"])  # SwiGLU: two matrices a layer
def test_a_probe_at_depth_50_and_width_512_peaks_far_below_its_old_770_mib(activation):
    # Autograd's graph and every layer's float64 tensors: +771-806 MiB. Now +60-85 MiB.
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, activation],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    assert float(result.stdout) < 200, result.stdout


# --- gated units: h = φ(x W) ⊙ (x V) at the plain net's parameter count ------------------------

# φ straight from torch, not from the catalogue that actlab.gated reads.
TORCH_GATES = {"glu": torch.sigmoid, "reglu": F.relu, "geglu": F.gelu, "swiglu": F.silu}


class TextbookGatedMLP(nn.Module):
    """A gated FFN stack as a tutorial writes it: ``x = φ(w1(x)) * w3(x)`` per hidden layer,
    then ``out(x)`` (LLaMA's names: w1 is the gate, w3 the value, the next layer is w2)."""

    def __init__(self, sizes: list[int], phi) -> None:
        super().__init__()
        self.phi = phi
        pairs = list(itertools.pairwise(sizes[:-1]))
        self.w1 = nn.ModuleList()
        self.w3 = nn.ModuleList()
        for fan_in, fan_out in pairs:  # gate, then value, layer by layer
            self.w1.append(nn.Linear(fan_in, fan_out, dtype=torch.float64))
            self.w3.append(nn.Linear(fan_in, fan_out, dtype=torch.float64))
        self.out = nn.Linear(sizes[-2], sizes[-1], dtype=torch.float64)
        self.pre: list[tuple[Tensor, Tensor]] = []
        self.hidden: list[Tensor] = []

    def forward(self, x: Tensor) -> Tensor:
        self.pre, self.hidden = [], []
        for w1, w3 in zip(self.w1, self.w3, strict=True):
            a, b = w1(x), w3(x)
            if a.requires_grad:  # keep ∂L/∂a and ∂L/∂b for the test
                a.retain_grad()
                b.retain_grad()
            x = self.phi(a) * b
            self.pre.append((a, b))
            self.hidden.append(x)
        return self.out(x)


def textbook_copy(unit: str, depth: int, width: int, init: str, seed: int) -> TextbookGatedMLP:
    """The textbook module with ``build_mlp``'s weights for ``unit`` copied in."""
    ours = gr.linear_modules(gr.build_mlp(unit, depth, width, init, seed))
    sizes = [784, *[ours[0].out_features] * (depth - 1), 10]
    model = TextbookGatedMLP(sizes, TORCH_GATES[unit])
    theirs = [m for pair in zip(model.w1, model.w3, strict=True) for m in pair] + [model.out]
    with torch.no_grad():
        for mine, their in zip(ours, theirs, strict=True):
            their.weight.copy_(mine.weight)
            their.bias.copy_(mine.bias)
    return model


@pytest.mark.parametrize("unit", sorted(TORCH_GATES))
@pytest.mark.parametrize("init", ["pytorch_default", "kaiming", "orthogonal"])
def test_gated_norms_and_stats_match_autograd_of_a_textbook_module(unit, init):
    depth, width, batch, seed = 5, 24, 32, 2
    model = textbook_copy(unit, depth, width, init, seed)
    x, y = gr.mnist_batch(batch, seed)
    F.cross_entropy(model(x), y).backward()
    gates = [m.weight.grad for m in model.w1]
    values = [m.weight.grad for m in model.w3]
    expected = [math.hypot(g.norm(), v.norm()) for g, v in zip(gates, values, strict=True)]
    expected.append(float(model.out.weight.grad.norm()))
    signals = [math.hypot(a.grad.norm(), b.grad.norm()) for a, b in model.pre]
    result = gr.probe(unit, depth, width, init, seed, batch_size=batch)
    assert result.norms["norm"].tolist() == pytest.approx(expected, rel=1e-10)
    assert result.norms["signal_norm"].tolist()[:-1] == pytest.approx(signals, rel=1e-10)
    units = model.w1[0].out_features
    assert result.units == units and result.norms["shape"].iloc[0] == f"2×({units}×784)"
    hidden = [h.detach() for h in model.hidden]
    assert result.stats["mean"].tolist() == pytest.approx([float(h.mean()) for h in hidden])
    assert result.stats["std"].tolist() == pytest.approx(
        [float(h.std(correction=0)) for h in hidden]
    )
    saturated = []
    for a, b in model.pre:  # both local slopes φ′(a) b and φ(a) below 1 %
        z = a.detach().requires_grad_(True)
        (slope,) = torch.autograd.grad(TORCH_GATES[unit](z).sum(), z)
        both = torch.maximum((slope * b.detach()).abs(), TORCH_GATES[unit](z).detach().abs())
        saturated.append(float((both < gr.SATURATED_SLOPE).double().mean()))
    assert result.stats["saturated"].tolist() == pytest.approx(saturated, abs=1e-12)


def glu_numpy(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(z) and σ′(z) = σ(z)(1 − σ(z)) in float64 numpy."""
    s = sigmoid(z)
    return s, s * (1 - s)


def reglu_numpy(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.maximum(z, 0), (z > 0).astype(float)


@pytest.mark.parametrize(("unit", "phi"), [("glu", glu_numpy), ("reglu", reglu_numpy)])
def test_gated_norms_match_a_hand_written_float64_backprop(unit, phi):
    """No autograd: δ_a = u ⊙ φ′(a) ⊙ b, δ_b = u ⊙ φ(a), u_(l−1) = δ_a W + δ_b V."""
    depth, width, batch, seed = 3, 6, 8, 4
    layers = [
        (m.weight.detach().numpy(), m.bias.detach().numpy())
        for m in gr.linear_modules(gr.build_mlp(unit, depth, width, "xavier", seed))
    ]
    x, y = (t.numpy() for t in gr.mnist_batch(batch, seed))
    hs, cache = [x], []
    for i in range(depth - 1):
        (w, bw), (v, bv) = layers[2 * i], layers[2 * i + 1]
        a, b = hs[-1] @ w.T + bw, hs[-1] @ v.T + bv
        cache.append((a, b))
        hs.append(phi(a)[0] * b)
    w_out, b_out = layers[-1]
    logits = hs[-1] @ w_out.T + b_out
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = (p - np.eye(10)[y]) / batch
    norms = [float(np.linalg.norm(delta.T @ hs[-1]))]
    upstream = delta @ w_out
    for i in reversed(range(depth - 1)):
        (w, _), (v, _) = layers[2 * i], layers[2 * i + 1]
        a, b = cache[i]
        value, slope = phi(a)
        delta_a, delta_b = upstream * slope * b, upstream * value
        grad = np.concatenate([delta_a.T @ hs[i], delta_b.T @ hs[i]])
        norms.append(float(np.linalg.norm(grad)))
        upstream = delta_a @ w + delta_b @ v
    got = gr.gradient_norms(unit, depth, width, "xavier", seed, batch_size=batch)
    assert got["norm"].tolist() == pytest.approx(norms[::-1], rel=1e-10)


def test_gated_pytorch_default_is_a_textbook_module_built_after_manual_seed():
    # Gate before value in every layer, output last: what TextbookGatedMLP's __init__ draws.
    ours = gr.linear_modules(gr.build_mlp("swiglu", 4, 64, "pytorch_default", 9))
    torch.manual_seed(9)
    model = TextbookGatedMLP([784, *[ours[0].out_features] * 3, 10], F.silu)
    theirs = [m for pair in zip(model.w1, model.w3, strict=True) for m in pair] + [model.out]
    for mine, their in zip(ours, theirs, strict=True):
        assert torch.equal(mine.weight, their.weight) and torch.equal(mine.bias, their.bias)
    # The probe draws the same weights again, W and V stacked as one [2h, in] layer.
    sizes = gr.network_sizes("swiglu", 4, 64)
    stacked = gr._Layers(sizes, "pytorch_default", 9, 0.05, matrices=2)
    for index in range(3):
        layer = stacked[index]
        assert torch.equal(
            layer.weight, torch.cat([ours[2 * index].weight, ours[2 * index + 1].weight])
        )
        assert torch.equal(layer.bias, torch.cat([ours[2 * index].bias, ours[2 * index + 1].bias]))
    assert torch.equal(stacked[3].weight, ours[-1].weight)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("depth", [2, 3, 5, 10, 20, 50])
@pytest.mark.parametrize("width", [128, 256, 512])
def test_gated_nets_match_the_plain_parameter_count_within_one_percent(depth, width):
    plain = count(gr.build_mlp("relu", depth, width, "pytorch_default", 0))
    for unit in ("swiglu", "reglu"):
        units = gr.hidden_width(unit, depth, width)
        assert count(TextbookGatedMLP([784, *[units] * (depth - 1), 10], F.silu)) == (
            gr.parameter_count(unit, depth, width)
        )
        assert abs(gr.parameter_count(unit, depth, width) / plain - 1) < 0.01
        assert gr.parameter_gap(unit, depth, width) == pytest.approx(
            gr.parameter_count(unit, depth, width) / plain - 1, rel=1e-12
        )
    assert gr.hidden_width("relu", depth, width) == width
    assert gr.parameter_count("relu", depth, width) == plain


@pytest.mark.parametrize(("depth", "width"), [(20, 8), (3, 64), (10, 128), (50, 512)])
def test_the_matched_width_is_the_closest_whole_width(depth, width):
    # Narrow nets cannot match within 1 % (4 units at 8 × 20 are 8 % short): no width can.
    plain = count(gr.build_mlp("relu", depth, width))
    units = gr.hidden_width("swiglu", depth, width)

    def gap(h: int) -> float:
        return abs(count(TextbookGatedMLP([784, *[h] * (depth - 1), 10], F.silu)) / plain - 1)

    assert gap(units) <= min(gap(units - 1), gap(units + 1))
    if width == 8:
        assert gap(units) > 0.01
        assert gap(units + 1) > 0.01 and gap(units - 1) > 0.01
        # By hand: plain 784·8+8 + 18·(8·8+8) + 8·10+10 = 7,666; gated with 4 units
        # 2·(784·4+4) + 18·2·(4·4+4) + 4·10+10 = 7,050, with 5 units 8,990.
        assert units == 4 and gr.parameter_gap("reglu", 20, 8) == pytest.approx(7050 / 7666 - 1)
        assert gap(5) == pytest.approx(8990 / 7666 - 1)


def test_reglu_units_are_zero_exactly_where_their_gate_is_not_positive():
    # ReLU(a) · b = 0 iff a ≤ 0 (b is never exactly 0): the zero share is the gate's ≤ 0 share,
    # and those units pass back nothing (both slopes 0), so they count as saturated too.
    depth, width, seed = 4, 32, 1
    model = textbook_copy("reglu", depth, width, "kaiming", seed)
    x, _ = gr.mnist_batch(256, seed)
    with torch.no_grad():
        model(x)
    result = gr.probe("reglu", depth, width, "kaiming", seed)
    negative = [float((a <= 0).double().mean()) for a, _ in model.pre]
    assert result.stats["zero"].tolist() == pytest.approx(negative, abs=1e-12)
    assert all(s >= z for s, z in zip(result.stats["saturated"], result.stats["zero"], strict=True))
    assert 0.3 < min(negative) and max(negative) < 0.7


def test_a_deep_gated_stack_overflows_and_says_why():
    # Each gated layer squares its input's scale: 20, 57, 1e3, 2e5, 1e10 … inf by layer 11.
    with pytest.raises(ValueError, match=r"SwiGLU makes the loss nan at depth 50.*squares"):
        gr.gradient_norms("swiglu", 50, 64, "xavier")
    gr.gradient_norms("swiglu", 50, 64, "pytorch_default")  # small weights: it stays finite
    gr.gradient_norms("glu", 20, 128, "kaiming")  # σ(a) ≤ 1: GLU grows at most like b, linearly
    with pytest.raises(ValueError, match="unbounded gate"):
        gr.gradient_norms("reglu", 20, 128, "kaiming")
    with pytest.raises(ValueError, match="takes no parameters"):
        gr.gradient_norms("swiglu", 3, 8, params={"beta": 1.0})


def test_comparison_reports_units_parameters_and_unmatched_gated_nets():
    probes = [gr.probe(n, 4, 128, "xavier", 0, batch_size=16) for n in ("relu", "swiglu")]
    table = gr.compare(probes).first_last.set_index("activation")
    assert table.loc["ReLU", "hidden units"] == 128 and table.loc["ReLU", "vs plain"] == 0
    assert table.loc["SwiGLU", "hidden units"] == gr.hidden_width("swiglu", 4, 128)
    assert table.loc["SwiGLU", "parameters"] == gr.parameter_count("swiglu", 4, 128)
    assert abs(table.loc["SwiGLU", "vs plain"]) < 0.01
    assert gr.compare(probes).unmatched == []
    narrow = [gr.probe(n, 20, 8, "pytorch_default", 0, batch_size=16) for n in ("relu", "reglu")]
    assert gr.compare(narrow).unmatched == ["ReGLU"]


def test_a_gated_probe_is_costed_by_its_two_matrices_at_its_matched_width():
    # Matched parameters, so about the plain net's GEMM work (measured 2026-12-02, one thread:
    # SwiGLU 1.8 CPU-s at 50 × 512 against ReLU's 1.8 and Mish's 1.9 s).
    plain = gr.probe_seconds(50, 512)
    gated = gr.probe_seconds(50, 512, activation="swiglu")
    assert 0.9 * plain < gated < 1.3 * plain
    units = gr.hidden_width("swiglu", 50, 512)
    one_matrix = gr.probe_seconds(50, units)
    assert gated > 1.8 * one_matrix  # not costed as a single matrix of its width
    with pytest.raises(ValueError, match="at most 3 of them"):
        gr.check_probe_budget(["relu", "gelu", "swiglu", "reglu", "geglu"], 50, 512)
    # Two matrices and two slopes per unit to hold: shorter recomputed segments.
    keep = budget.PROBE_KEEP_BYTES
    assert gr.segment_length(50, units, 256, keep, 2) < gr.segment_length(50, units, 256, keep)
    assert gr.segment_length(20, gr.hidden_width("swiglu", 20, 128), 256, keep, 2) == 20
