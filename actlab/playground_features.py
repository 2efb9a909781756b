"""The playground's input features: TensorFlow Playground's INPUTS (src/playground.ts).

The network never sees (x1, x2) directly but the chosen features of it, in TF's order: x1, x2,
x1², x2², x1·x2, sin x1, sin x2. With x1² and x2² a single linear layer already draws a circle;
that is the lesson TF teaches with them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from actlab.i18n import N_, Refusal

# id -> label, in TF's order.
FEATURES: dict[str, str] = {
    "x1": "X₁",
    "x2": "X₂",
    "x1sq": "X₁²",
    "x2sq": "X₂²",
    "x1x2": "X₁X₂",
    "sin_x1": "sin(X₁)",
    "sin_x2": "sin(X₂)",
}
DEFAULT_2D = ("x1", "x2")


def check(ids: Sequence[str]) -> tuple[str, ...]:
    """The ids in TF's order, or ``ValueError`` (empty, unknown or repeated)."""
    ids = tuple(ids)
    if not ids:
        raise Refusal(N_("choose at least one input feature"))
    for feature in ids:
        if feature not in FEATURES:
            raise Refusal(
                N_("unknown input feature {feature}; expected some of: {allowed}"),
                feature=repr(feature),
                allowed=", ".join(FEATURES),
            )
    if len(set(ids)) != len(ids):
        raise Refusal(N_("an input feature is repeated: {features}"), features=", ".join(ids))
    return tuple(f for f in FEATURES if f in ids)


def feature(name: str, x: Tensor) -> Tensor:
    """One feature of raw inputs ``x`` ``[n, 2]`` -> ``[n]``."""
    x1 = x[:, 0]
    if name == "x1":
        return x1
    if name == "x1sq":
        return x1 * x1
    if name == "sin_x1":
        return torch.sin(x1)
    x2 = x[:, 1]
    if name == "x2":
        return x2
    if name == "x2sq":
        return x2 * x2
    if name == "x1x2":
        return x1 * x2
    if name == "sin_x2":
        return torch.sin(x2)
    raise ValueError(f"unknown input feature {name!r}")  # internal: check() refuses it first


def feature_matrix(ids: Sequence[str], x: Tensor) -> Tensor:
    """``[n, len(ids)]``: column j is feature ``ids[j]`` of the raw inputs."""
    return torch.stack([feature(name, x) for name in ids], dim=1)


class FeatureMap(nn.Module):
    """The feature map as the model's first module, so the exported model takes raw (x1, x2)."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__()
        self.ids = tuple(ids)

    def forward(self, x: Tensor) -> Tensor:
        return feature_matrix(self.ids, x)

    def extra_repr(self) -> str:
        return ", ".join(self.ids)
