"""The optimizers every lesson offers, once: ids (stable, in URLs), labels and torch constructors.

Each lesson used to keep its own ``("sgd", "adam")`` tuple, label set and ``if optimizer ==
"adam"`` branch; a new optimizer (or a label fixed) now changes one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Optimizer:
    id: str
    label: str
    torch_class: type[torch.optim.Optimizer]
    takes_momentum: bool


OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("sgd", "SGD", torch.optim.SGD, takes_momentum=True),
    "adam": Optimizer("adam", "Adam", torch.optim.Adam, takes_momentum=False),
}
IDS = tuple(OPTIMIZERS)


def check(optimizer: str) -> str:
    """``optimizer`` if it is a known id, else a ``ValueError`` naming the choices."""
    if optimizer not in OPTIMIZERS:
        # internal: pages offer IDS only (a bound radio)
        raise ValueError(f"optimizer must be one of {', '.join(IDS)}; got {optimizer!r}")
    return optimizer


def label(optimizer: str, momentum: float | None = None) -> str:
    """What a page calls it: ``SGD``, ``SGD with momentum 0.9`` or ``Adam``."""
    spec = OPTIMIZERS[check(optimizer)]
    if spec.takes_momentum and momentum:
        return f"{spec.label} with momentum {momentum:g}"
    return spec.label


def build(
    optimizer: str,
    parameters: Iterable[Any],
    *,
    lr: float,
    momentum: float = 0.0,
    fused: bool | None = None,
) -> torch.optim.Optimizer:
    """A torch optimizer over ``parameters`` (tensors or parameter groups).

    ``momentum`` applies to SGD only; ``fused`` asks for torch's one-kernel implementation
    (same arithmetic, fewer launches).
    """
    spec = OPTIMIZERS[check(optimizer)]
    options: dict[str, Any] = {"lr": lr}
    if spec.takes_momentum:
        options["momentum"] = momentum
    if fused is not None:
        options["fused"] = fused
    return spec.torch_class(parameters, **options)
