"""actlab.optimizers: one table of ids, labels and torch constructors."""

from __future__ import annotations

import pytest
import torch

from actlab import optimizers


def test_build_gives_the_torch_optimizer_with_its_options():
    weight = torch.nn.Parameter(torch.ones(3))
    sgd = optimizers.build("sgd", [weight], lr=0.1, momentum=0.9)
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.defaults["lr"] == 0.1 and sgd.defaults["momentum"] == 0.9
    adam = optimizers.build("adam", [weight], lr=1e-3, momentum=0.9)  # Adam has no momentum
    assert isinstance(adam, torch.optim.Adam) and "momentum" not in adam.defaults


def test_one_sgd_step_is_w_minus_lr_times_gradient():
    weight = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    step = optimizers.build("sgd", [weight], lr=0.5)
    (weight**2).sum().backward()
    step.step()
    assert weight.detach().tolist() == [0.0, 0.0]


def test_labels_and_unknown_ids():
    assert optimizers.label("sgd") == "SGD"
    assert optimizers.label("sgd", momentum=0.9) == "SGD with momentum 0.9"
    assert optimizers.label("adam", momentum=0.9) == "Adam"
    with pytest.raises(ValueError, match="sgd, adam"):
        optimizers.check("rmsprop")
