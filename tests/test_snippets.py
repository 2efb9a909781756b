"""Generated PyTorch snippets: valid Python whose activation is exactly the catalogue's."""

from __future__ import annotations

import ast
import math

import pytest
import torch
import torch.nn.functional as F

from actlab import activations, playground, training
from actlab.snippets import activation_expression, mnist_snippet, playground_snippet

X = torch.linspace(-4, 4, 161, dtype=torch.float64)


def run_expression(text: str) -> torch.Tensor:
    return eval(text, {"torch": torch, "F": F, "math": math, "x": X})  # test-only: generated code


@pytest.mark.parametrize("name", activations.names())
def test_expression_matches_the_catalogue(name):
    entry = activations.get(name)
    params = {p.name: p.low + 0.3 * (p.high - p.low) for p in entry.params}
    try:
        activations.resolve_params(name, params)
    except ValueError:
        params = {}
    expected = activations.apply(name, X, **params)
    with torch.no_grad():  # rrelu is deterministic (eval mode) without grad
        got = run_expression(activation_expression(name, params))
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_typed_formula_becomes_torch_code_with_parameters_filled_in():
    name = activations.custom_id("x * sigmoid(beta * x) + where(x > 0, e, pi)")
    code = activation_expression(name, {"beta": 1.5})
    assert code == "x * torch.sigmoid(1.5 * x) + torch.where(x > 0, math.e, math.pi)"
    torch.testing.assert_close(run_expression(code), activations.apply(name, X, beta=1.5))


def test_mnist_snippet_is_python_and_carries_the_configuration():
    config = training.TrainingConfig(**training.PRESETS["quick comparison"])
    code = mnist_snippet(config)
    ast.parse(code)
    assert "torch.manual_seed(0)" in code and "batch_size=64" in code
    assert "torch.optim.Adam(model.parameters(), lr=0.001)" in code
    assert "SIZES = (784, 128, 10)" in code and "range(3)" in code
    tutorial = mnist_snippet(
        training.TrainingConfig(**training.PRESETS["torch.nn tutorial experiment"])
    )
    ast.parse(tutorial)
    assert "SIZES = (784, 10)" in tutorial and "F.softmax(x, dim=-1)" in tutorial
    assert "lr=0.5, momentum=0.0" in tutorial and "div(255)" in tutorial


def test_playground_snippet_rebuilds_the_same_network():
    config = playground.PlaygroundConfig(dataset="xor", hidden=(4, 3), activation="relu", lr=0.1)
    code = playground_snippet(config)
    ast.parse(code)
    namespace: dict = {}
    exec(code.split("for epoch")[0], namespace)  # test-only: build the model, skip training
    model = namespace["model"]
    reference = playground.build_model(config)
    inputs = torch.randn(5, 2)
    torch.testing.assert_close(model(inputs), reference(inputs))


@pytest.mark.parametrize("page", ["pages/mnist.py", "pages/playground.py"])
def test_pages_offer_the_snippet_of_their_configuration(page):
    from apptest_helpers import run_page

    at = run_page(page)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert len(code) == 1
    ast.parse(code[0])
