"""What the playground page shows besides its widgets: the network's shape as text, the
component's display settings, the frame it draws, and the corrected formulas.

The page reads left to right through these: controls -> ``PlaygroundConfig`` -> trainer ->
``frame`` (one torch forward pass on the single-threaded worker) -> the component.
"""

from __future__ import annotations

import math
import re
from collections.abc import MutableMapping
from numbers import Real
from typing import Any

import numpy as np
import torch

from actlab import activations, playground, playground_frame, playground_io, toydata
from actlab import playground_features as features
from actlab.charts import playground as colours
from actlab.charts.theme import LABEL_SIZE, TITLE_SIZE
from actlab.i18n import N_, Refusal, _
from actlab.playground import MAX_HIDDEN_LAYERS, MAX_UNITS, PlaygroundTrainer

# Session state (underscore keys: not widgets, so they stay out of the URL and presenter lists).
RUNS = "_pg_runs"  # [PlaygroundTrainer]: one run, or two side by side
PLAYING = "_pg_playing"
APP_RERUN = "_pg_app_rerun"  # an action changed a control outside the live panel
CUSTOM = "_pg_custom"  # your data: {"points": Points, "source": "drawn"|"csv", "file", "version"}
RUNS_DATA = "_pg_runs_data"  # the version of your data the runs were built on
ERASE_RADIUS = 0.6  # a right click removes your nearest point within this distance (TF units)
DATASETS = (*toydata.CLASSIFICATION, *toydata.REGRESSION_2D, playground.CUSTOM)
# The component's data column: short names that fit a narrow column on a projector.
SHORT_DATASET_NAMES = {  # marked: the component gets them in the visitor's language
    "circle": N_("Circle"),
    "xor": "XOR",
    "gaussians": N_("Gaussians"),
    "spiral": N_("Spiral"),
    "spiral3": N_("Spiral × 3"),
    "plane": N_("Plane"),
    "multigauss": N_("Multi-Gauss"),
    playground.CUSTOM: N_("Your data"),
}
SHAPE_CHARS = 60  # "16, 16, 16, 16, 16, 16" is 22; anything longer is not a shape
MAX_SEED = 10_000  # the weight seed control's range
GRID = 100  # cells per side of the output heatmap (issue 15: at least 100 x 100)
NEURON_GRID = 24  # cells per side of each neuron's small heatmap
# Component height in CSS pixels: presenter mode fits a 1280 x 720 projector under the lesson's
# heading and notice (docs/screenshots/playground-projector.png).
HEIGHT = {False: 560, True: 430}


def parse_shape(text: str) -> tuple[int, ...]:
    """Neurons per hidden layer from ``"8, 8"`` (empty: no hidden layer); ``ValueError`` naming
    what is wrong."""
    text = str(text).strip()
    if len(text) > SHAPE_CHARS:
        raise Refusal(N_("the network's shape is at most {count} characters"), count=SHAPE_CHARS)
    if not text:
        return ()
    parts = [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]
    shape = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_UNITS:
            raise Refusal(
                N_("neurons per hidden layer: “{part}” is not a whole number from 1 to {units}"),
                part=part,
                units=MAX_UNITS,
            )
        shape.append(int(part))
    if len(shape) > MAX_HIDDEN_LAYERS:
        raise Refusal(
            N_("at most {layers} hidden layers, got {count}"),
            layers=MAX_HIDDEN_LAYERS,
            count=len(shape),
        )
    return tuple(shape)


def shape_text(shape: tuple[int, ...]) -> str:
    return ", ".join(str(units) for units in shape)


def reshaped(shape: tuple[int, ...], kind: str, layer: object = None) -> tuple[int, ...]:
    """The shape after the component's ``add_layer`` / ``remove_layer`` / ``add_neuron`` /
    ``remove_neuron`` action (``layer``: a hidden layer's index from 0); unchanged when the
    action is out of bounds or its layer is not a valid index."""
    sizes = list(shape)
    if kind == "add_layer" and len(sizes) < MAX_HIDDEN_LAYERS:
        sizes.append(sizes[-1] if sizes else 4)
    elif kind == "remove_layer" and sizes:
        sizes.pop()
    elif kind in ("add_neuron", "remove_neuron"):
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(sizes):
            return shape
        change = 1 if kind == "add_neuron" else -1
        sizes[layer] = min(MAX_UNITS, max(1, sizes[layer] + change))
    return tuple(sizes)


def advance(trainer: PlaygroundTrainer, epochs: int, budget_seconds: float | None) -> dict:
    """Train ``epochs`` epochs (0: none, fewer if ``budget_seconds`` runs out) and return the
    frame the component draws: output surface (``GRID²`` cells), every neuron
    (``NEURON_GRID²``), weights, points and thinned loss history, in one hop to the
    single-threaded worker."""
    return playground_frame.advance(trainer, epochs, budget_seconds, GRID, NEURON_GRID).to_payload()


def apply_action(state: MutableMapping[str, Any], action: dict[str, Any]) -> None:
    """Carry out one of the component's actions on the session ``state`` (Streamlit's session
    state, or a dict in tests): play and pause, step, rewind, reset (the next weight seed), the
    network's shape, the two display toggles. ``APP_RERUN`` is set when a control outside the
    live panel changed, so the panel reruns the whole page."""
    kind = action.get("kind")
    runs: list[PlaygroundTrainer] = state[RUNS]
    if kind in ("play", "pause"):
        state[PLAYING] = kind == "play"
        state[APP_RERUN] = True  # the live panel's refresh timer starts or stops
    elif kind == "step":
        for run in runs:
            advance(run, 1, None)
        state[APP_RERUN] = bool(state.get(PLAYING))
        state[PLAYING] = False
    elif kind == "rewind":
        state[RUNS] = [run.rewound() for run in runs]
    elif kind == "reset":  # new random weights: the next seed
        state["pg_seed"] = (int(state.get("pg_seed", 0)) + 1) % (MAX_SEED + 1)
        state[APP_RERUN] = True
    elif kind in ("add_layer", "remove_layer", "add_neuron", "remove_neuron"):
        state["pg_shape"] = shape_text(reshaped(runs[0].config.hidden, kind, action.get("layer")))
        state[APP_RERUN] = True
    elif kind in ("show_test", "discretize") and isinstance(action.get("value"), bool):
        state["pg_test" if kind == "show_test" else "pg_disc"] = action["value"]
        state[APP_RERUN] = True
    elif kind == "feature" and action.get("value") in features.FEATURES:
        chosen = set(runs[0].config.feature_ids) if runs else set(features.DEFAULT_2D)
        chosen ^= {action["value"]}
        if chosen:  # the network needs at least one input
            state["pg_feat"] = [f for f in features.FEATURES if f in chosen]
            state[APP_RERUN] = True
    elif kind == "dataset" and action.get("value") in DATASETS:
        state["pg_ds"] = action["value"]
        state[APP_RERUN] = True
    elif kind in ("add_point", "remove_point", "clear_points") and CUSTOM in state:
        # new data: the page builds a new run
        state[APP_RERUN] = _edit_points(state[CUSTOM], action) or state.get(APP_RERUN, False)


def _coordinate(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if math.isfinite(value) and abs(value) <= playground_io.MAX_COORDINATE else None


def _edit_points(custom: dict[str, Any], action: dict[str, Any]) -> bool:
    """Add, remove or restart your drawn points; True when they changed. A removal that would
    leave fewer than ``playground_io.MIN_POINTS`` points, or a class with fewer than two (one
    for training, one for testing), is refused, so your data always stays trainable."""
    points: playground_io.Points = custom["points"]
    kind = action["kind"]
    if points.task != "classification":
        return False  # a regression CSV has targets, not classes to draw
    if kind == "clear_points":
        custom.update(points=starter_points(points.n_classes), source="drawn", file=None)
        custom["version"] += 1
        return True
    x1, x2 = _coordinate(action.get("x1")), _coordinate(action.get("x2"))
    if x1 is None or x2 is None:
        return False
    items = [[float(a), float(b), int(c)] for (a, b), c in zip(points.x, points.y, strict=True)]
    if kind == "add_point":
        label = action.get("label")
        if isinstance(label, bool) or not isinstance(label, int):
            return False
        if not 0 <= label < points.n_classes or len(items) >= playground_io.MAX_DRAWN:
            return False
        items.append([x1, x2, label])
    else:
        distances = np.hypot(points.x[:, 0] - x1, points.x[:, 1] - x2)
        nearest = int(distances.argmin())
        label = items[nearest][2]
        left = sum(1 for item in items if item[2] == label) - 1
        if distances[nearest] > ERASE_RADIUS or left < 2:
            return False
        if len(items) - 1 < playground_io.MIN_POINTS:
            return False
        items.pop(nearest)
    custom["points"] = playground_io.drawn_points(items)
    custom["version"] += 1
    return True


def starter_points(classes: int) -> playground_io.Points:
    """Where your drawing starts: a small built-in set to edit (Two Gaussians, or the 3-arm
    spiral for three classes), so the network always has something to learn."""
    data = toydata.make("gaussians" if classes == 2 else "spiral3", 15 * classes, 0.0, 0.5, 0)
    x = torch.cat([data.x_train, data.x_test]).double().numpy().round(3)
    y = torch.cat([data.y_train, data.y_test]).long().tolist()
    return playground_io.drawn_points([[a, b, c] for (a, b), c in zip(x.tolist(), y, strict=True)])


def your_data(state: MutableMapping[str, Any], classes: int) -> dict[str, Any]:
    """Your data in the session, started (or restarted, when the number of classes to draw
    changes) from ``starter_points``."""
    custom = state.get(CUSTOM)
    if custom is None:
        custom = {"points": starter_points(classes), "source": "drawn", "file": None, "version": 0}
        state[CUSTOM] = custom
    elif custom["source"] == "drawn" and custom["points"].n_classes != classes:
        custom.update(points=starter_points(classes), version=custom["version"] + 1)
    return custom


def take_csv(state: MutableMapping[str, Any], content: bytes, file_id: str, classes: int) -> None:
    """Your data from an uploaded CSV (``ValueError`` naming the bad line, from
    ``playground_io.parse_csv``); the same file is read once."""
    custom = your_data(state, classes)
    if custom["file"] == file_id:
        return
    if len(content) > playground_io.MAX_CSV_BYTES:
        raise Refusal(
            N_("the file is larger than {limit} KiB ({size} KiB)"),
            limit=playground_io.MAX_CSV_BYTES // 1024,
            size=f"{len(content) / 1024:,.0f}",
        )
    points = playground_io.parse_csv(content)
    custom.update(points=points, source="csv", file=file_id, version=custom["version"] + 1)


def custom_view(custom: dict[str, Any]) -> float:
    """Drawn points live on TF's square [−6, 6]²; a CSV's square fits its points."""
    return toydata.TF_EXTENT if custom["source"] == "drawn" else 0.0


def display_settings(
    *,
    presenting: bool,
    playing: bool,
    show_test: bool,
    discretize: bool,
    draw: bool,
    n_classes: int,
    activation_labels: list[str],
    compact: bool = False,
    ticker: bool = True,
    dataset: str | None = None,
) -> dict:
    """The component's ``ui`` dict: sizes from the chart theme, colours, toggles."""
    k = max(2, n_classes)
    return {
        "label_px": LABEL_SIZE[presenting],
        "title_px": TITLE_SIZE[presenting],
        "height_px": HEIGHT[presenting],
        "playing": playing,
        "show_test": show_test,
        "discretize": discretize,
        "draw": draw,
        "class_names": [_("class {c}").format(c=c) for c in range(k)] if n_classes else [],
        "class_colours": list(colours.CLASS_HEX[:k]),
        "regression_colours": list(colours.REGRESSION_HEX),
        "activation_labels": activation_labels,
        "max_layers": MAX_HIDDEN_LAYERS,
        "max_units": MAX_UNITS,
        "compact": compact,  # two runs side by side: legend and loss under the output
        "ticker": ticker,  # this component asks for the next frame while playing (one per page)
        "dataset": dataset,  # the data column's buttons: the chosen one, and all of them
        "datasets": [[name, _(SHORT_DATASET_NAMES.get(name, name))] for name in DATASETS],
        "feature_choices": [[name, label] for name, label in features.FEATURES.items()],
        "texts": component_texts(),  # the component's words, in the visitor's language
    }


# Every text the component (playground.js) writes, marked; it looks each up by its English.
COMPONENT_TEXTS = (
    N_("+ layer"),
    N_("- - test"),
    N_("0 … {last} epochs, max {top}"),
    N_("Back to the same initial weights, epoch 0"),
    N_("Back to the starter points"),
    N_("New random weights (the next weight seed), epoch 0"),
    N_("Output"),
    N_("P(class 1)"),
    N_("Pause"),
    N_("Play"),
    N_("Reset"),
    N_("Rewind"),
    N_("Step"),
    N_("Train continuously"),
    N_("Train one epoch"),
    N_("Your data: click to add a point of"),
    N_("add a hidden layer"),
    N_("add a neuron"),
    N_("background: P(class 1)"),
    N_("background: predicted class, paler = less sure"),
    N_("background: the network's output; points: the target"),
    N_("data"),
    N_("discretize output"),
    N_("epoch"),
    N_("features"),
    N_("hidden layer {index}: {name}"),
    N_("hover an edge for its weight, a neuron for its range"),
    N_("layer {layer}, neuron {neuron}"),
    N_("line: P(class 1) = 0.5"),
    N_("line: where the predicted class changes"),
    N_("loss per epoch"),
    N_("neuron {neuron}"),
    N_("output"),
    N_("remove a neuron"),
    N_("remove the last hidden layer"),
    N_("ringed: misclassified"),
    N_("show test data"),
    N_("start again"),
    N_("test accuracy"),
    N_("test loss"),
    N_("test point"),
    N_("train loss"),
    N_("training point"),
    N_("weight < 0"),
    N_("weight > 0"),
    N_("weight {from} → {to}: {value}"),
    N_("x₁ →, x₂ ↑ on [{low}, {high}]"),
    N_("{count} hidden layer"),
    N_("{count} hidden layers"),
    N_("{feature}: click to leave it out"),
    N_("{feature}: click to use this feature"),
    N_("{neuron} · output {low} … {high}"),
    N_("— train"),
    N_("− layer"),
)


def component_texts() -> dict[str, str]:
    """``{English: current language}`` of ``COMPONENT_TEXTS``."""
    return {text: _(text) for text in COMPONENT_TEXTS}


def short_label(name: str) -> str:
    """An activation as the network diagram names its column: ``linear``, ``Tanh``, ``Custom``."""
    if name == playground.NO_ACTIVATION:
        return _("linear")
    return _("Custom") if activations.is_custom(name) else activations.display_name(name)


def dataset_label(name: str) -> str:
    return _(toydata.DISPLAY_NAMES.get(name, name))
