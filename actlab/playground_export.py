"""Take a trained playground network home: its ``state_dict`` and a script that uses it.

The file is ``torch.save(model.state_dict())``; the script is plain torch with no actlab
import: it rebuilds the same module (features, layers, each layer's activation written out as
a torch expression), loads the file and prints predictions, so what the page trained can be
checked and reused anywhere torch runs.
"""

from __future__ import annotations

import io

import torch

from actlab import playground_features as features_
from actlab.playground import NO_ACTIVATION, PlaygroundConfig, PlaygroundTrainer
from actlab.snippets import activation_expression

FILE_NAME = "playground_model.pt"
_FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1sq": "x1 * x1",
    "x2sq": "x2 * x2",
    "x1x2": "x1 * x2",
    "sin_x1": "torch.sin(x1)",
    "sin_x2": "torch.sin(x2)",
}
_PREDICT = {
    "sigmoid": ("torch.sigmoid(z[:, 0])", "P(class 1)"),
    "tanh": ("(1 + torch.tanh(z[:, 0])) / 2", "P(class 1), TF's tanh output (1 + tanh z) / 2"),
    "softmax": ("torch.softmax(z, dim=1)", "class probabilities"),
    "linear": ("z[:, 0]", "the predicted value"),
}


def state_dict_bytes(trainer: PlaygroundTrainer) -> bytes:
    """The trained weights as a file's bytes (``torch.save`` of the ``state_dict``)."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().clone() for k, v in trainer.model.state_dict().items()}, buffer)
    return buffer.getvalue()


def load_state_dict(content: bytes) -> dict[str, torch.Tensor]:
    """Read ``state_dict_bytes`` back (tensors only: ``weights_only``)."""
    return torch.load(io.BytesIO(content), weights_only=True)


def export_snippet(config: PlaygroundConfig) -> str:
    """A runnable script: ``python script.py playground_model.pt`` rebuilds the network of
    ``config``, loads the weights and prints predictions at a few points."""
    ids = config.feature_ids
    activation_classes = []
    for index, name in enumerate(config.layer_activations):
        expression = "x" if name == NO_ACTIVATION else activation_expression(name)
        activation_classes.append(
            f"class Activation{index}(torch.nn.Module):  # hidden layer {index + 1}: {name!r}\n"
            f"    def forward(self, x):\n"
            f"        return {expression}\n"
        )
    probe = "[[0.0, 0.0], [2.0, -1.0], [-4.0, 3.5]]"
    predict, meaning = _PREDICT[config.output]
    layers = ", ".join(f"Activation{i}()" for i in range(len(config.hidden)))
    return f'''"""A network trained in actlab's playground, rebuilt in plain torch.

Dataset {config.dataset!r}; input features {", ".join(features_.FEATURES[f] for f in ids)};
layer sizes {" -> ".join(map(str, config.sizes))}; output {config.output}.
Usage: python this_script.py {FILE_NAME}
"""

import math  # noqa: F401  (a typed formula may use math.pi or math.e)
import sys

import torch
import torch.nn.functional as F  # noqa: F401  (some activations are F.<name>)

SIZES = {config.sizes!r}


def features(x):
    """The input features the network reads, from raw points x of shape [n, 2]."""
    x1 = x[:, 0]
    x2 = x[:, 1]
    return torch.stack([{", ".join(_FEATURE_CODE[f] for f in ids)}], dim=1)


{(chr(10) * 2).join(activation_classes)}

class PlaygroundNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linears = torch.nn.ModuleList(
            torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])
        )
        self.activations = torch.nn.ModuleList([{layers}])

    def forward(self, x):
        """Output logits z of raw points x."""
        h = features(x)
        for linear, f in zip(self.linears, self.activations):
            h = f(linear(h))
        return self.linears[-1](h)


@torch.no_grad()
def predict(model, x):
    """{meaning} at raw points x."""
    z = model(x)
    return {predict}


if __name__ == "__main__":
    model = PlaygroundNet()
    path = sys.argv[1] if len(sys.argv) > 1 else {FILE_NAME!r}
    model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    points = torch.tensor({probe})
    for point, value in zip(points.tolist(), predict(model, points).tolist()):
        print(point, value)
'''
