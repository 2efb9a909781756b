"""actlab.training.models: the stacked model computes each member as if it were alone."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from actlab import activations, training
from actlab.training import models


def test_initial_weights_follow_nn_linear_scheme_and_are_shared_by_members():
    sizes = (784, 48, 24, 10)
    first = training.initial_weights(sizes, seed=3)
    assert training.initial_weights(sizes, seed=3)[1][0].equal(first[1][0])
    assert not training.initial_weights(sizes, seed=4)[0][0].equal(first[0][0])
    torch.manual_seed(3)  # nn.Linear draws from the global generator, in layer order
    plain = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
    for (weight, bias), linear in zip(first, plain, strict=True):
        assert weight.equal(linear.weight.detach()) and bias.equal(linear.bias.detach())
        bound = 1 / math.sqrt(linear.in_features)
        assert weight.abs().max() <= bound and bias.abs().max() <= bound
    fns = [activations.function(n) for n in ("relu", "tanh", "gelu")]
    model = training.StackedMLP(sizes, fns, seeds=(3, 4))
    for member in range(3):
        for got, want in zip(model.member_weights(0, member), first, strict=True):
            assert got[0].equal(want[0]) and got[1].equal(want[1])


def test_batched_forward_equals_each_member_computed_alone_in_float64():
    sizes = (784, 16, 12, 10)
    names = ("relu", "tanh", "softsign")
    fns = [activations.function(n) for n in names]
    model = training.StackedMLP(sizes, fns, seeds=(0, 7)).double()
    x = torch.randn(2, 5, 784, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    logits = model(x)
    assert logits.shape == (2, 3, 5, 10)
    for s in range(2):
        for a, f in enumerate(fns):
            h = x[s]
            layers = model.member_weights(s, a)
            for i, (w, b) in enumerate(layers):
                h = h @ w.T + b
                if i < len(layers) - 1:
                    h = f(h)
            torch.testing.assert_close(logits[s, a], h, rtol=0, atol=1e-12)


def test_member_losses_match_cross_entropy_and_nll_loss():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 7, 10, dtype=torch.float64, generator=generator)
    labels = torch.randint(0, 10, (2, 7), generator=generator)
    losses, _ = training.member_losses(logits, labels, None)
    outputs = [torch.sigmoid, torch.tanh, training.OUTPUT_FUNCTIONS["softmax"]]
    nll, _ = training.member_losses(logits, labels, outputs)
    for s in range(2):
        for a in range(3):
            expected = F.cross_entropy(logits[s, a], labels[s])
            torch.testing.assert_close(losses[s, a], expected, rtol=0, atol=1e-14)
            expected_nll = F.nll_loss(outputs[a](logits[s, a]), labels[s])
            torch.testing.assert_close(nll[s, a], expected_nll, rtol=0, atol=1e-14)


def test_inputs_are_scaled_pixels_in_the_padded_layout():
    model = training.StackedMLP((784, 8, 10), [torch.relu], seeds=(0,))
    pixels = torch.randint(0, 256, (5, 784), dtype=torch.uint8)
    x = model.inputs(pixels, 33.0, 0.01)
    assert x.shape == (5, 800) and x.dtype == torch.float32
    torch.testing.assert_close(x[:, :784], (pixels.float() - 33.0) * 0.01)
    assert (x[:, 784] == 1).all() and (x[:, 785:] == 0).all()
    plain = training.scale_pixels(pixels, 33.0, 0.01)
    assert plain.shape == (5, 784)
    torch.testing.assert_close(model(x[None]), model(plain[None]))  # padded here or by forward


def test_build_model_and_its_formula_follow_the_configuration():
    config = training.TrainingConfig(activations=("relu", "tanh"), hidden=(32, 16), seeds=(0, 1))
    model = training.build_model(config, 784, 10)
    assert isinstance(model, training.StackedMLP)
    assert (model.S, model.A, model.sizes) == (2, 2, (784, 32, 16, 10))
    assert training.formula_latex(config)[0].endswith(r"784 \to 32 \to 16 \to 10")
    assert len(training.formula_latex(config)) == 2
    output = training.TrainingConfig(activations=("softmax", "tanh"), compare_at="output")
    z = torch.linspace(-2, 2, 9)
    for f in models.hidden_functions(output):  # ReLU in the hidden layers, whatever is compared
        torch.testing.assert_close(f(z), torch.relu(z))
    assert len(models.output_functions(output)) == 2 and models.output_functions(config) is None
    assert "nll" in training.formula_latex(output)[0] and len(training.formula_latex(output)) == 1


def test_lecun_normal_is_n_0_1_over_fan_in_with_zero_biases_drawn_after_the_default():
    sizes = (784, 512, 256, 10)
    layers = training.initial_weights(sizes, seed=5, init="lecun_normal")
    # Independent reference: a model built with PyTorch's default init, then each weight drawn
    # again as normal(0, 1/sqrt(fan_in)) from the same stream (the SNN tutorial's
    # kaiming_normal_(mode="fan_in", nonlinearity="linear")), biases set to zero.
    reference = training.initial_weights(sizes, seed=5)
    generator = torch.Generator().manual_seed(5)
    for weight, bias in reference:  # replay the default draws to reach the same stream state
        torch.empty(weight.shape).uniform_(generator=generator)
        torch.empty(bias.shape).uniform_(generator=generator)
    for (weight, bias), (fan_out, fan_in) in zip(
        layers, [(b, a) for a, b in itertools.pairwise(sizes)], strict=True
    ):
        want = torch.empty(fan_out, fan_in).normal_(0, 1 / math.sqrt(fan_in), generator=generator)
        torch.testing.assert_close(weight, want, rtol=0, atol=0)
        assert bias.abs().max() == 0
    assert layers[0][0].std().item() == pytest.approx(1 / math.sqrt(784), rel=0.01)


def test_xavier_and_kaiming_follow_their_definitions():
    sizes = (784, 400, 10)
    xavier = training.initial_weights(sizes, seed=1, init="xavier")
    default = training.initial_weights(sizes, seed=1)
    bound = math.sqrt(6 / (784 + 400))  # Glorot & Bengio: U(-a, a), a = sqrt(6 / (in + out))
    assert xavier[0][0].abs().max() <= bound
    assert xavier[0][0].std().item() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert xavier[0][1].equal(default[0][1])  # d2l's init_cnn leaves biases as drawn
    kaiming = training.initial_weights(sizes, seed=1, init="kaiming")
    assert kaiming[0][0].std().item() == pytest.approx(math.sqrt(2 / 784), rel=0.01)
    assert kaiming[0][1].abs().max() == 0
    assert training.initial_layers([(6, 1, 5, 5)], 0, "lecun_normal")[0][0].shape == (6, 1, 5, 5)


def test_inits_and_dropout_kinds_per_member_follow_the_snn_rule():
    config = training.TrainingConfig(
        activations=("relu", "selu"),
        init="lecun_for_selu",
        dropout=0.05,
        dropout_kind="alpha_for_selu",
    )
    assert models.member_inits(config) == ["default", "lecun_normal"]
    assert models.alpha_dropout_members(config) == [False, True]
    model = training.build_model(config, 784, 10)
    relu_first, selu_first = model.member_weights(0, 0)[0], model.member_weights(0, 1)[0]
    assert relu_first[0].equal(training.initial_weights(config.sizes, 0)[0][0])
    assert selu_first[0].equal(training.initial_weights(config.sizes, 0, "lecun_normal")[0][0])


def test_alpha_dropout_matches_torch_and_the_papers_affine_map():
    p = 0.05
    x = torch.randn(4000, generator=torch.Generator().manual_seed(0))
    config = training.TrainingConfig(activations=("selu",), dropout=p, dropout_kind="alpha")
    (drop,) = models.dropout_functions(config)
    torch.manual_seed(11)
    got = drop(x, True)
    torch.manual_seed(11)
    want = torch.nn.AlphaDropout(p).train()(x)
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    # Klambauer et al. 2017: dropped units take alpha' = -lambda * alpha, then a * x + b with
    # a = ((1 - p)(1 + p alpha'^2))^(-1/2), b = -a p alpha' (mean 0 and variance 1 kept).
    alpha_prime = -1.0507009873554805 * 1.6732632423543772
    a = ((1 - p) * (1 + p * alpha_prime**2)) ** -0.5
    b = -a * p * alpha_prime
    kept = torch.isclose(got, a * x + b, atol=1e-6)
    dropped = torch.isclose(got, torch.full_like(x, a * alpha_prime + b), atol=1e-6)
    assert bool((kept | dropped).all()) and 0.03 < dropped.float().mean() < 0.07
    assert drop(x, False).equal(x)  # evaluation: identity
    big = torch.randn(400_000, generator=torch.Generator().manual_seed(1))
    out = drop(big, True)
    assert abs(out.mean().item()) < 0.01 and out.std().item() == pytest.approx(1.0, abs=0.01)


def test_dropout_is_on_while_training_and_off_while_evaluating():
    config = training.TrainingConfig(activations=("relu", "selu"), hidden=(64,), dropout=0.5)
    model = training.build_model(config, 784, 10)
    x = torch.randn(1, 8, 784)
    model.train()
    assert not model(x).equal(model(x))
    model.eval()
    plain = training.build_model(replace(config, dropout=0.0), 784, 10).eval()
    torch.testing.assert_close(model(x), plain(x))


def per_model_cnn(net, classes, layers, name):
    """A textbook nn.Sequential of nn.Conv2d / pooling / nn.Linear for one member, loaded with
    ``layers`` (``member_weights``' order)."""
    modules, convs, linears = [], [], []
    in_channels = 1
    for conv in net.convs:
        c = torch.nn.Conv2d(in_channels, conv.channels, conv.kernel, padding=conv.padding)
        pool = torch.nn.AvgPool2d(2) if conv.pool == "avg" else torch.nn.MaxPool2d(2)
        act = activations.module(name)
        modules += [c, act, pool] if conv.order == "act_pool" else [c, pool, act]
        convs.append(c)
        in_channels = conv.channels
    modules.append(torch.nn.Flatten())
    sizes = (net.flat_features, *net.dense, classes)
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        linear = torch.nn.Linear(a, b)
        modules.append(linear)
        linears.append(linear)
        if i < len(sizes) - 2:
            modules.append(activations.module(name))
    with torch.no_grad():
        for module, (w, b) in zip(convs + linears, layers, strict=True):
            module.weight.copy_(w)
            module.bias.copy_(b)
    return torch.nn.Sequential(*modules)


@pytest.mark.parametrize("architecture", ["lenet5", "snn_cnn"])
def test_grouped_conv_cnn_equals_per_model_conv2d_models_fed_the_same_batches(architecture):
    """Two seeds (each its own batches) × three activations in grouped convolutions, against
    six plain nn.Conv2d models trained on the same batches with SGD and momentum."""
    names = ("relu", "sigmoid", "selu")
    seeds = (0, 3)
    net = training.CONV_NETS[architecture]
    fns = [activations.function(n) for n in names]
    model = training.StackedCNN(net, 10, fns, seeds, inits=["default", "xavier", "lecun_normal"])
    initial = {(s, a): model.member_weights(s, a) for s in range(2) for a in range(3)}
    assert initial[0, 0][0][0].equal(
        training.initial_layers(
            [(net.convs[0].channels, 1, net.convs[0].kernel, net.convs[0].kernel)], 0
        )[0][0]
    )
    plain = {key: per_model_cnn(net, 10, layers, names[key[1]]) for key, layers in initial.items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    optimizers = {
        k: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9) for k, m in plain.items()
    }
    generator = torch.Generator().manual_seed(0)
    for _ in range(3):
        x = torch.randn(2, 16, 1, 28, 28, generator=generator)
        y = torch.randint(0, 10, (2, 16), generator=generator)
        logits = model(x)
        assert logits.shape == (2, 3, 16, 10)
        for (s, a), m in plain.items():
            torch.testing.assert_close(logits[s, a], m(x[s]), rtol=1e-4, atol=1e-5)
        losses, _ = training.member_losses(logits, y, None)
        optimizer.zero_grad()
        losses.sum().backward()
        optimizer.step()
        for (s, _a), m in plain.items():
            loss = F.cross_entropy(m(x[s]), y[s])
            optimizers[s, _a].zero_grad()
            loss.backward()
            optimizers[s, _a].step()
    for (s, a), m in plain.items():
        want = [p.detach() for p in m.parameters()]
        got = [t for layer in model.member_weights(s, a) for t in layer]
        for g, w in zip(got, want, strict=True):
            torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
