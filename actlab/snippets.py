"""Copy-paste PyTorch that reproduces what a page shows, outside actlab (the playground's
export is actlab.playground_export).

The snippets use plain torch, the way a student would write the experiment (the MNIST one reads
the IDX files itself, so torchvision is not needed); they are generated from the same
configuration objects the pages train with, and the dataset's names, files and mirror come from
``actlab.datasets``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from actlab import activations, datasets, gated, optimizers
from actlab.i18n import _
from actlab.training.gated import gated_sizes

# Catalogue ids whose functional form is not simply F.<id>(x, **params).
_SPECIAL_FORMS = {
    "sigmoid": "torch.sigmoid(x)",
    "tanh": "torch.tanh(x)",
    "identity": "x",
    "gelu_tanh": 'F.gelu(x, approximate="tanh")',
}
# Functions torch has no functional for: plain torch with the parameters filled in.
_TEMPLATES = {
    "relu_squared": "F.relu(x) ** 2",
    "xielu": (
        "torch.where(x > 0, {alpha_p} * x * x + {beta} * x, "
        "{alpha_n} * (torch.expm1(x.clamp(max=-1e-06)) - x) + {beta} * x)"
    ),
    "snake": "x + torch.sin({a} * x) ** 2 / {a}",
    "swish": "x * torch.sigmoid({beta} * x)",
    "smish": "x * torch.tanh(torch.log1p(torch.sigmoid(x)))",
    "dyt": "torch.tanh({alpha} * x)",
}
_FORMULA_FUNCTIONS = {
    "exp": "torch.exp",
    "log": "torch.log",
    "log1p": "torch.log1p",
    "sqrt": "torch.sqrt",
    "abs": "torch.abs",
    "sin": "torch.sin",
    "cos": "torch.cos",
    "tanh": "torch.tanh",
    "sigmoid": "torch.sigmoid",
    "relu": "torch.relu",
    "softplus": "F.softplus",
    "erf": "torch.erf",
    "minimum": "torch.minimum",
    "maximum": "torch.maximum",
    "clamp": "torch.clamp",
    "where": "torch.where",
    "pi": "math.pi",
    "e": "math.e",
}


def activation_expression(name: str, params: Mapping[str, float] | None = None) -> str:
    """A torch expression in ``x`` for a catalogue id or typed formula, parameters filled in."""
    resolved = activations.resolve_params(name, params)
    if activations.is_custom(name):
        formula = name.removeprefix(activations.CUSTOM_PREFIX)

        def substitute(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in resolved:
                return repr(resolved[word])
            return _FORMULA_FUNCTIONS.get(word, word)

        # The formula has passed the whitelist parser, so its names are only x, parameters,
        # constants and whitelisted functions; numbers are left alone by the word boundary.
        return re.sub(r"(?<![\w.])[A-Za-z_]\w*", substitute, formula)
    if name in _SPECIAL_FORMS:
        return _SPECIAL_FORMS[name]
    if name in _TEMPLATES:
        return _TEMPLATES[name].format(**{key: repr(value) for key, value in resolved.items()})
    if name == "prelu":
        return f"F.prelu(x, torch.tensor([{resolved['weight']!r}], dtype=x.dtype))"
    if name == "rrelu":
        args = f"lower={resolved['lower']!r}, upper={resolved['upper']!r}"
        return f"F.rrelu(x, {args}, training=torch.is_grad_enabled())"
    args = "".join(f", {key}={value!r}" for key, value in resolved.items())
    return f"F.{name}(x{args})"


def mnist_snippet(config) -> str:  # config: actlab.training.TrainingConfig
    """A standalone script training the page's configuration with a plain torch loop.

    It reads the dataset's four IDX files (``.gz`` or unpacked) from torchvision's layout,
    ``data/<torchvision name>/raw`` under the working directory, and downloads any that are
    missing from the dataset's first mirror.
    """
    info = datasets.dataset_info(config.dataset)
    sizes = config.sizes
    members = []
    for spec in config.activations:
        if config.compare_at == "output":
            output = {
                "log_softmax": "F.log_softmax(x, dim=-1)",
                "softmax": "F.softmax(x, dim=-1)",
            }.get(spec.name) or activation_expression(spec.name, dict(spec.params))
            members.append((spec.title, "F.relu(x)", output, sizes, False))
        elif gated.is_gated(spec.name):  # φ(x W) ⊙ (x V), narrower to keep the parameter count
            gate = activation_expression(gated.get(spec.name).gate)
            members.append((spec.title, gate, "F.log_softmax(x, dim=-1)", gated_sizes(sizes), True))
        else:
            hidden = activation_expression(spec.name, dict(spec.params))
            members.append((spec.title, hidden, "F.log_softmax(x, dim=-1)", sizes, False))
    optimizer = optimizers.OPTIMIZERS[config.optimizer]
    momentum = f", momentum={config.momentum!r}" if optimizer.takes_momentum else ""
    optimizer_call = (
        f"torch.optim.{optimizer.torch_class.__name__}(model.parameters(), "
        f"lr={config.lr!r}{momentum})"
    )
    if config.input_scaling == "divide_by_255":
        scaling = "return images.float().div(255).flatten(1)"
        moments = ""
    else:
        scaling = "return ((images.float() - MEAN) / STD).flatten(1)"
        moments = (
            "MEAN, STD = train_images.double().mean().item(), "
            "train_images.double().std(correction=0).item()\n"
        )
    limit = (
        f"keep = torch.randperm(len(train_labels))[:{config.train_limit}]\n"
        "train_images, train_labels = train_images[keep], train_labels[keep]\n"
        if config.train_limit
        else "# " + _("(the full training set)") + "\n"
    )
    member_lines = "\n".join(
        f"    ({title!r}, lambda x: {hidden}, lambda x: {output}, {widths!r}, {is_gated!r}),"
        for title, hidden, output, widths, is_gated in members
    )
    files = {role: info.files[role] for role in datasets.ROLES}
    # The comments in the page's language (the code itself reads the same in every language).
    note = {
        "title": _("Reproduces actlab's MNIST page: {members}").format(
            members=", ".join(config.titles)
        ),
        "data": _("{dataset} as torchvision keeps it").format(dataset=info.display_name),
        "read": _("An IDX file as a uint8 tensor: DATA/name, or name.gz (downloaded if missing)."),
        "dims": _("then one big-endian uint32 size per dimension, then the data"),
        "members": _(
            "(name, hidden activation (a gated unit's gate φ), output function fed to nll_loss, "
            "layer\nsizes, gated: hidden = φ(x W) * (x V), narrower so the parameter count stays "
            "the plain one's)"
        ).replace("\n", "\n# "),
        "values": _("V of each gated hidden layer"),
        "seed": _("the same initial weights and batches for every member"),
    }
    return f"""# {note["title"]}
import gzip
import math
import urllib.request
from pathlib import Path

import torch
import torch.nn.functional as F

DATA = Path("data/{info.torchvision_name}/raw")  # {note["data"]}
MIRROR = {info.mirrors[0]!r}


def read_idx(name):
    \"\"\"{note["read"]}\"\"\"
    path = DATA / name
    if not path.exists():
        path = DATA / f"{{name}}.gz"
        if not path.exists():
            DATA.mkdir(parents=True, exist_ok=True)
            urllib.request.urlretrieve(MIRROR + path.name, path)
    raw = path.read_bytes()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    dims = raw[3]  # {note["dims"]}
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8).view(shape)


torch.manual_seed({config.seeds[0]})
train_images = read_idx({files["train_images"]!r})
train_labels = read_idx({files["train_labels"]!r}).long()
test_images = read_idx({files["test_images"]!r})
test_labels = read_idx({files["test_labels"]!r}).long()
print(f"{{len(train_labels):,}} training + {{len(test_labels):,}} test images from {{DATA}}")
{limit}{moments}

def inputs(images):
    {scaling}


# {note["members"]}
MEMBERS = [
{member_lines}
]
SIZES = {sizes!r}


class MLP(torch.nn.Module):
    def __init__(self, hidden_activation, output_function, sizes=SIZES, gated=False):
        super().__init__()
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in pairs)
        self.values = (  # {note["values"]}
            torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in pairs[:-1]) if gated else None
        )
        self.hidden_activation, self.output_function = hidden_activation, output_function

    def forward(self, x):
        for index, layer in enumerate(self.layers[:-1]):
            hidden = self.hidden_activation(layer(x))
            x = hidden * self.values[index](x) if self.values is not None else hidden
        return self.output_function(self.layers[-1](x))


def evaluate(model):
    with torch.no_grad():
        guesses = model(inputs(test_images)).argmax(1)
    return (guesses == test_labels).float().mean().item()


train = torch.utils.data.TensorDataset(train_images, train_labels)
for name, hidden_activation, output_function, sizes, gated in MEMBERS:
    torch.manual_seed({config.seeds[0]})  # {note["seed"]}
    model = MLP(hidden_activation, output_function, sizes, gated)
    optimizer = {optimizer_call}
    loader = torch.utils.data.DataLoader(train, batch_size={config.batch_size}, shuffle=True)
    for epoch in range({config.epochs}):
        for images, labels in loader:
            loss = F.nll_loss(model(inputs(images)), labels)
            if not math.isfinite(loss.item()):
                raise SystemExit(f"{{name}}: loss became {{loss.item()}}, training diverged")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    print(f"{{name}}: test accuracy {{evaluate(model):.4f}}")
"""
