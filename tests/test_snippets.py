"""Generated PyTorch snippets: valid Python whose activation is exactly the catalogue's."""

from __future__ import annotations

import ast
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mnist_fixtures import closed_port_url, idx_bytes, write_files

from actlab import activations, datasets, gated, training
from actlab.bundled import BUNDLED_MNIST_DIR
from actlab.snippets import activation_expression, mnist_snippet
from actlab.training import gated as matching

ROOT = Path(__file__).resolve().parents[1]
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


def test_mnist_snippet_writes_gated_members_at_the_trainers_matched_size():
    config = training.TrainingConfig(activations=("relu", "swiglu", "reglu"), hidden=(128, 64))
    code = mnist_snippet(config)
    namespace: dict = {}
    imports = code.split("def read_idx")[0]
    model_part = code[code.index("MEMBERS = [") : code.index("def evaluate")]
    exec(imports + model_part, namespace)  # test-only: the member table and the model class
    members = {name: member for name, *member in namespace["MEMBERS"]}
    gated_sizes = matching.gated_sizes(config.sizes)
    for name, unit in (("SwiGLU", "swiglu"), ("ReGLU", "reglu")):
        gate, output, sizes, is_gated = members[name]
        assert sizes == gated_sizes and is_gated
        model = namespace["MLP"](gate, output, sizes, is_gated)
        count = sum(p.numel() for p in model.parameters())
        assert count == matching.gated_parameters(gated_sizes)
        assert abs(count / matching.plain_parameters(config.sizes) - 1) < 0.01
        # hidden = φ(x W + b) ⊙ (x V + c), by hand, then the output layer and log-softmax
        x = torch.randn(3, 784)
        h = x
        for layer, value in zip(model.layers[:-1], model.values, strict=True):
            phi = activations.apply(gated.get(unit).gate, layer(h))
            h = phi * value(h)
        expected = F.log_softmax(model.layers[-1](h), dim=-1)
        torch.testing.assert_close(model(x), expected)
    plain = namespace["MLP"](*members["ReLU"])
    assert sum(p.numel() for p in plain.parameters()) == matching.plain_parameters(config.sizes)


@pytest.mark.parametrize("page", ["app_pages/mnist.py", "app_pages/playground.py"])
def test_pages_offer_the_snippet_of_their_configuration(page):
    from apptest_helpers import run_page

    at = run_page(page)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert len(code) == 1
    ast.parse(code[0])


# --- the generated scripts run and train ------------------------------------------------------
# Each runs in a fresh Python, whose torch import alone takes ~3 s here: marked slow, except the
# check that the Fashion-MNIST script names Fashion-MNIST's files.


def run_script(code: str, folder: Path) -> str:
    """Run ``code`` as a student would, in ``folder``, offline: any download would go to a closed
    port. Returns what it printed."""
    script = folder / "snippet.py"
    script.write_text(code)
    offline = closed_port_url()
    env = os.environ | {"PYTHONPATH": str(ROOT), "http_proxy": offline, "https_proxy": offline}
    env.pop("no_proxy", None)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def bundled_mnist_in_torchvision_layout(folder: Path) -> Path:
    """The bundled MNIST (5,000 + 10,000) as ``data/MNIST/raw/<standard name>.gz``."""
    raw = folder / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for role, name in datasets.STANDARD_FILES.items():
        bundled = name.replace("train-", "train-5k-") if role.startswith("train") else name
        shutil.copy(BUNDLED_MNIST_DIR / f"{bundled}.gz", raw / f"{name}.gz")
    return raw


def striped_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Images whose class is a bright band of rows (class k: rows 4 + 2k and 5 + 2k), in noise."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 10).astype(np.uint8)
    images = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
    for index, label in enumerate(labels):
        images[index, 4 + 2 * label : 6 + 2 * label] = 255
    return images, labels


def accuracies(printed: str) -> dict[str, float]:
    return {
        m[1]: float(m[2]) for m in re.finditer(r"^(.+): test accuracy ([\d.]+)$", printed, re.M)
    }


def test_the_mnist_snippet_of_fashion_mnist_names_fashion_mnist():
    config = training.TrainingConfig(dataset="fashion-mnist", activations=("relu",))
    code = mnist_snippet(config)
    assert 'Path("data/FashionMNIST/raw")' in code and "data/MNIST" not in code
    assert repr(datasets.FASHION_MNIST.mirrors[0]) in code
    assert 'Path("data/MNIST/raw")' in mnist_snippet(training.TrainingConfig(dataset="mnist"))


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["hidden", "output"])
def test_the_mnist_snippet_trains_on_the_bundled_digits(tmp_path, preset):
    if preset == "hidden":  # the quick comparison's shape, smaller
        config = training.TrainingConfig(
            activations=("relu", "tanh"), hidden=(32,), batch_size=32, lr=3e-3, train_limit=2000
        )
    else:  # the torch.nn tutorial's experiment, smaller
        config = training.TrainingConfig(
            **training.PRESETS["torch.nn tutorial experiment"] | {"train_limit": 1000, "epochs": 1}
        )
    raw = bundled_mnist_in_torchvision_layout(tmp_path)
    files = sorted(raw.iterdir())
    printed = run_script(mnist_snippet(config), tmp_path)
    assert "5,000 training + 10,000 test images from data/MNIST/raw" in printed
    accuracy = accuracies(printed)
    assert list(accuracy) == config.titles
    best = accuracy["ReLU" if preset == "hidden" else "log_softmax"]
    assert best > 0.6, printed  # chance is 0.1
    assert sorted(raw.iterdir()) == files  # nothing was downloaded


@pytest.mark.slow
def test_the_mnist_snippet_of_fashion_mnist_trains_on_fashion_mnist_files(tmp_path):
    """Fashion-MNIST's files under FashionMNIST/raw, next to MNIST's: the snippet must read them
    (it once loaded MNIST for Fashion-MNIST)."""
    bundled_mnist_in_torchvision_layout(tmp_path)
    train, test = striped_split(300, seed=0), striped_split(200, seed=1)
    fashion = {
        datasets.FASHION_MNIST.files["train_images"]: idx_bytes(train[0]),
        datasets.FASHION_MNIST.files["train_labels"]: idx_bytes(train[1]),
        datasets.FASHION_MNIST.files["test_images"]: idx_bytes(test[0]),
        datasets.FASHION_MNIST.files["test_labels"]: idx_bytes(test[1]),
    }
    write_files(tmp_path / "data" / "FashionMNIST" / "raw", fashion, compress=False)
    config = training.TrainingConfig(
        dataset="fashion-mnist", activations=("relu",), hidden=(16,), batch_size=16, lr=0.01
    )
    printed = run_script(mnist_snippet(config), tmp_path)
    assert "300 training + 200 test images from data/FashionMNIST/raw" in printed
    assert accuracies(printed)["ReLU"] > 0.6, printed  # the bands are easy; chance is 0.1
