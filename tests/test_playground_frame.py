"""actlab.playground_frame: what the client draws, recomputed independently, and the payload's
encoding round trip (JSON-able, no NaN, small)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from actlab import playground_frame as pf
from actlab.playground import PlaygroundConfig, PlaygroundTrainer, tensorflow_defaults

SMALL = {"n_points": 200}


@pytest.fixture(scope="module")
def trained() -> PlaygroundTrainer:
    trainer = PlaygroundTrainer(tensorflow_defaults(hidden=(8, 8), features=("x1", "x2", "x1sq")))
    trainer.step(3)
    return trainer


def test_surface_is_the_output_in_image_order(trained):
    frame = pf.frame(trained, grid=20, neuron_grid=5)
    assert frame.surface.shape == (20, 20)
    extent, half = trained.extent, trained.extent / 20
    corners = torch.tensor(
        [[-extent + half, extent - half], [extent - half, -extent + half]], dtype=torch.float32
    )
    with torch.no_grad():  # TF's tanh output read as P(class 1) = (1 + tanh z)/2
        p = ((1 + torch.tanh(trained.model(corners)[:, 0])) / 2).numpy()
    np.testing.assert_allclose([frame.surface[0, 0], frame.surface[-1, -1]], p, rtol=1e-5)


def test_every_neuron_is_its_layer_computed_by_hand(trained):
    frame = pf.frame(trained, grid=10, neuron_grid=6)
    assert [m.shape for m in frame.neurons] == [(3, 6, 6), (8, 6, 6), (8, 6, 6), (1, 6, 6)]
    x = pf.grid_inputs(trained.extent, 6)
    first, second, out = trained.model.linears
    h0 = torch.stack([x[:, 0], x[:, 1], x[:, 0] ** 2], dim=1)
    with torch.no_grad():
        h1 = torch.tanh(first(h0))
        h2 = torch.tanh(second(h1))
        p = (1 + torch.tanh(out(h2))) / 2
    for maps, values in zip(frame.neurons, (h0, h1, h2, p), strict=True):
        np.testing.assert_allclose(maps, values.T.reshape(maps.shape).numpy(), rtol=1e-5, atol=1e-6)
    x1_map = frame.neurons[0][0]
    assert (np.diff(x1_map, axis=1) > 0).all() and (np.diff(x1_map, axis=0) == 0).all()
    x2_map = frame.neurons[0][1]
    assert (np.diff(x2_map, axis=0) < 0).all()  # row 0 is the top: x2 falls going down


def test_payload_round_trip(trained):
    frame = pf.frame(trained)
    payload = json.loads(json.dumps(frame.to_payload(), allow_nan=False))
    surface = payload["surface"]
    assert surface["size"] == 100 and (surface["lo"], surface["hi"]) == (0.0, 1.0)
    decoded = pf.decode(surface, (100, 100))
    assert np.abs(decoded - frame.surface).max() <= 0.5 / 255 + 1e-7
    layers = payload["neurons"]["layers"]
    for entry, maps in zip(layers, frame.neurons, strict=True):
        back = pf.decode(entry, maps.shape)
        span = (np.asarray(entry["hi"]) - np.asarray(entry["lo"])).reshape(-1, 1, 1)
        assert (np.abs(back - maps) <= span * 0.5 / 255 + 1e-6).all()
    network = payload["network"]
    assert network["sizes"] == [3, 8, 8, 1] and network["output"] == "tanh"
    assert network["features"] == ["x1", "x2", "x1sq"] and network["feature_labels"][2] == "X₁²"
    assert network["activations"] == ["tanh", "tanh"]
    for weights, linear in zip(network["weights"], trained.model.linears, strict=True):
        np.testing.assert_allclose(weights, linear.weight.detach().numpy(), rtol=1e-3, atol=1e-7)
    points = payload["points"]
    n = len(trained.data.y_train) + len(trained.data.y_test)
    assert len(points["x1"]) == len(points["wrong"]) == n
    assert sum(points["test"]) == len(trained.data.y_test)
    assert points["wrong"] == [
        int(a != b) for a, b in zip(points["pred"], points["label"], strict=True)
    ]
    accuracy = 1 - np.mean(
        [w for w, t in zip(points["wrong"], points["test"], strict=True) if not t]
    )
    assert payload["accuracy"]["train"] == pytest.approx(accuracy, abs=1e-6)
    assert payload["epoch"] == 3 and payload["history"]["epoch"] == [0, 1, 2, 3]


def test_history_is_thinned_like_the_pages_charts():
    trainer = PlaygroundTrainer(PlaygroundConfig(batch_size=0, **SMALL))
    trainer.step(450)
    history = pf.frame(trainer, grid=4, neuron_grid=2).history
    assert len(history["epoch"]) == pf.HISTORY_ROWS
    assert history["epoch"][0] == 0 and history["epoch"][-1] == 450
    assert set(np.diff(history["epoch"])) == {2, 3}  # evenly spaced: 450 epochs in 199 gaps
    full = trainer.history.set_index("epoch")
    np.testing.assert_allclose(
        history["test_loss"], full.loc[history["epoch"], "test_loss"], rtol=1e-5
    )
    assert history["epoch"] == trainer.thinned_history(pf.HISTORY_ROWS)["epoch"]
    assert trainer.thinned_history(1000) == trainer.history.to_dict("list")


def test_dynamic_payload_leaves_out_what_never_changes(trained):
    frame = pf.frame(trained)
    full, dynamic = frame.to_payload(), frame.to_payload(static=False)
    assert dynamic["neurons"]["layers"][0] is None and "x1" not in dynamic["points"]
    assert dynamic["points"]["pred"] == full["points"]["pred"]
    assert len(json.dumps(dynamic)) < len(json.dumps(full))


def test_payload_of_a_2x8_network_at_100x100_is_small():
    trainer = PlaygroundTrainer(tensorflow_defaults(hidden=(8, 8)))
    size = len(json.dumps(pf.frame(trainer).to_payload()))
    assert size < 60_000, size  # measured 45 kB (33 kB without the static parts)


def test_three_classes_send_the_top_class():
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="spiral3", hidden=(6,), **SMALL))
    frame = pf.frame(trainer, grid=12, neuron_grid=4)
    x = pf.grid_inputs(trainer.extent, 12)
    with torch.no_grad():
        probabilities = torch.softmax(trainer.model(x), dim=1)
    top, classes = probabilities.max(dim=1)
    np.testing.assert_allclose(frame.surface.ravel(), top.numpy(), rtol=1e-5)
    np.testing.assert_array_equal(frame.surface_classes.ravel(), classes.numpy())
    assert frame.neurons[-1].shape == (3, 4, 4)
    np.testing.assert_allclose(frame.neurons[-1].sum(axis=0), 1.0, rtol=1e-5)
    payload = frame.to_payload()
    classes_back = np.frombuffer(pf.base64.b64decode(payload["surface"]["classes"]), np.uint8)
    np.testing.assert_array_equal(classes_back, classes.numpy())


def test_regression_surfaces_span_at_least_tfs_label_range():
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="multigauss", hidden=(4,), **SMALL))
    payload = json.loads(json.dumps(pf.frame(trainer, grid=10).to_payload(), allow_nan=False))
    assert payload["surface"]["lo"] <= -1 and payload["surface"]["hi"] >= 1
    assert payload["accuracy"] == {"train": None, "test": None}
    assert not any(payload["points"]["wrong"])


def test_a_diverged_run_still_gives_valid_json():
    trainer = PlaygroundTrainer(
        PlaygroundConfig(dataset="plane", lr=10.0, optimizer="sgd", **SMALL)
    )
    trainer.step(5)
    assert trainer.diverged
    with torch.no_grad():
        trainer.model.linears[0].weight[0, 0] = float("nan")
    payload = pf.frame(trainer, grid=10, neuron_grid=4).to_payload()
    json.dumps(payload, allow_nan=False)
    assert payload["diverged"].startswith("Training diverged")


def test_bad_grids_and_the_live_advance():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    for grid, neuron_grid in ((1, 10), (201, 10), (100, 1), (100, 51)):
        with pytest.raises(ValueError, match="grid"):
            pf.frame(trainer, grid, neuron_grid)
    frame = pf.advance(trainer, 2, None, grid=10, neuron_grid=4)
    assert frame.epoch == trainer.epoch == 2
    assert pf.advance(trainer, 0, grid=10, neuron_grid=4).epoch == 2
