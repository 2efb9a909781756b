"""What the playground page shows besides its widgets: the network's shape as text, the
component's display settings, the frame it draws, and the corrected formulas.

The page reads left to right through these: controls -> ``PlaygroundConfig`` -> trainer ->
``frame`` (one torch forward pass on the single-threaded worker) -> the component.
"""

from __future__ import annotations

import io
import re
from collections.abc import MutableMapping
from typing import Any

import torch

from actlab import playground, playground_frame, toydata
from actlab.charts import playground as colours
from actlab.charts.theme import LABEL_SIZE, TITLE_SIZE
from actlab.playground import MAX_HIDDEN_LAYERS, MAX_UNITS, PlaygroundTrainer

# Session state (underscore keys: not widgets, so they stay out of the URL and presenter lists).
RUNS = "_pg_runs"  # [PlaygroundTrainer]: one run, or two side by side
PLAYING = "_pg_playing"
APP_RERUN = "_pg_app_rerun"  # an action changed a control outside the live panel
SHAPE_CHARS = 60  # "16, 16, 16, 16, 16, 16" is 22; anything longer is not a shape
MAX_SEED = 10_000  # the weight seed control's range
GRID = 100  # cells per side of the output heatmap (issue 15: at least 100 x 100)
NEURON_GRID = 24  # cells per side of each neuron's small heatmap
# Component height in CSS pixels: presenter mode fits a 1280 x 720 projector under the lesson's
# heading and notice (docs/screenshots/playground-presenter-1280x720.png).
HEIGHT = {False: 560, True: 430}


def parse_shape(text: str) -> tuple[int, ...]:
    """Neurons per hidden layer from ``"8, 8"`` (empty: no hidden layer); ``ValueError`` naming
    what is wrong."""
    text = str(text).strip()
    if len(text) > SHAPE_CHARS:
        raise ValueError(f"the network's shape is at most {SHAPE_CHARS} characters")
    if not text:
        return ()
    parts = [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]
    shape = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_UNITS:
            raise ValueError(
                f"neurons per hidden layer: “{part}” is not a whole number from 1 to {MAX_UNITS}"
            )
        shape.append(int(part))
    if len(shape) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(shape)}")
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
        "class_names": [f"class {c}" for c in range(k)] if n_classes else [],
        "class_colours": list(colours.CLASS_HEX[:k]),
        "regression_colours": list(colours.REGRESSION_HEX),
        "activation_labels": activation_labels,
        "max_layers": MAX_HIDDEN_LAYERS,
        "max_units": MAX_UNITS,
        "compact": compact,  # two runs side by side: legend and loss under the output
    }


def formulas(config: playground.PlaygroundConfig) -> list[str]:
    """LaTeX of what is trained: the activation acts on the hidden layers only, the output layer
    is affine (its function comes with the loss), and each loss sums whole bracketed terms."""
    hidden = len(config.hidden)
    acts = set(config.layer_activations)
    f_text = (
        r"\mathrm{id}"
        if acts == {playground.NO_ACTIVATION}
        else ("f" if len(acts) == 1 else r"f_\ell")
    )
    sizes = r" \to ".join(map(str, config.sizes))
    lines = []
    if hidden:
        lines.append(
            rf"h_0 = \phi(x),\quad h_\ell = {f_text}(W_\ell h_{{\ell-1}} + b_\ell)"
            rf"\ (\ell = 1, \dots, {hidden}),\quad z = W_{{{hidden + 1}}} h_{{{hidden}}}"
            rf" + b_{{{hidden + 1}}}\quad(\text{{sizes }} {sizes})"
        )
    else:
        lines.append(rf"z = W_1 \phi(x) + b_1\quad(\text{{sizes }} {sizes})")
    output, loss = config.output, config.effective_loss
    mean = r"\tfrac1n\textstyle\sum_{i=1}^{n}"
    if output == "sigmoid":
        lines.append(
            rf"\text{{loss}} = {mean} \big[\log(1 + e^{{z_i}}) - y_i z_i\big]"
            r"\quad(\text{binary cross-entropy}),\qquad P(\text{class 1}) = \sigma(z)"
        )
    elif output == "tanh":
        lines.append(
            rf"\text{{loss}} = {mean} \tfrac12\big(\tanh z_i - t_i\big)^2,\quad t_i = \pm1,"
            r"\qquad P(\text{class 1}) = \tfrac12\big(1 + \tanh z\big)"
        )
    elif output == "softmax" and loss == "cross_entropy":
        lines.append(
            rf"\text{{loss}} = {mean} \big[-\log \mathrm{{softmax}}(z_i)_{{y_i}}\big]"
            r"\quad(\text{cross-entropy})"
        )
    elif output == "softmax":
        lines.append(
            rf"\text{{loss}} = {mean} \tfrac12\big\lVert \mathrm{{softmax}}(z_i)"
            r" - \mathrm{onehot}(y_i)\big\rVert^2"
        )
    else:
        lines.append(rf"\text{{loss}} = {mean} \tfrac12\big(z_i - y_i\big)^2")
    if config.l1 or config.l2:
        lines.append(
            rf"\text{{after each update: }} w \leftarrow w - \eta\,\big({config.l2:g}\,w"
            rf" + {config.l1:g}\,\mathrm{{sign}}(w)\big)\ \text{{(weights only, as TF)}}"
        )
    return lines


def state_dict_bytes(trainer: PlaygroundTrainer) -> bytes:
    """The trained model's ``state_dict`` as ``torch.save`` writes it."""
    buffer = io.BytesIO()
    torch.save(trainer.model.state_dict(), buffer)
    return buffer.getvalue()


def dataset_label(name: str) -> str:
    return toydata.DISPLAY_NAMES.get(name, name)
