"""One colour (and dash) per activation, the same on every page and in every chart.

Colours are Okabe & Ito's colour-blind-safe set (Color Universal Design, 2008) without its
yellow, which is unreadable as a line on white. Six hues cannot tell 30 functions apart, so each
activation owns a fixed (colour, dash) pair: the six most-taught functions are solid in the six
hues, the next six dashed, and so on. The assignment follows a fixed order, not the functions on
screen, so adding GELU or a typed formula never moves ReLU off its blue. A typed formula is
always black and thick, reserved for it alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import altair as alt

from actlab import activations, gated

# Okabe-Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue.
HUES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
# solid, dash, dot, dash-dot, sparse dash, long dash, dash-dot-dot
DASHES = ((1, 0), (8, 4), (2, 3), (10, 3, 2, 3), (4, 6), (14, 4), (6, 2, 1, 2, 1, 2))
CUSTOM_COLOUR = "#000000"
NEUTRAL_COLOUR = "#6b7280"  # "no activation" and anything outside the catalogue
# Teaching order: the first six are the ones every lecture draws together.
ORDER = (
    "relu",
    "sigmoid",
    "tanh",
    "gelu",
    "silu",
    "leaky_relu",
    "elu",
    "softplus",
    "mish",
    "selu",
    "gelu_tanh",
    "hardtanh",
    "prelu",
    "rrelu",
    "celu",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "softsign",
    "logsigmoid",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "threshold",
    "identity",
    # The 2026 additions (issue 16), then the gated units of actlab.gated.
    "relu_squared",
    "swish",
    "xielu",
    "smish",
    "snake",
    "dyt",
    "glu",
    "reglu",
    "geglu",
    "swiglu",
)
OUTPUT_FUNCTIONS = ("log_softmax", "softmax")  # the torch.nn tutorial's nll_loss inputs
NO_ACTIVATION_LABELS = {"identity", "linear", "no activation", "none (linear)"}


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: tuple[int, ...]
    width: float = 2.5


CUSTOM_STYLE = SeriesStyle(CUSTOM_COLOUR, (1, 0), 3.5)
NEUTRAL_STYLE = SeriesStyle(NEUTRAL_COLOUR, (6, 4))


def _style_by_position(position: int) -> SeriesStyle:
    return SeriesStyle(HUES[position % len(HUES)], DASHES[(position // len(HUES)) % len(DASHES)])


def activation_style(name: str) -> SeriesStyle:
    """The style of a catalogue id (``relu``), an output function, or a typed formula."""
    if activations.is_custom(name):
        return CUSTOM_STYLE
    if name in NO_ACTIVATION_LABELS and name != "identity":
        return NEUTRAL_STYLE
    order = [*ORDER, *(n for n in activations.names() if n not in ORDER), *OUTPUT_FUNCTIONS]
    if name not in order:
        return NEUTRAL_STYLE
    return _style_by_position(order.index(name))


def _id_of_label(label: str) -> str | None:
    """The activation id a chart label stands for: ``ReLU``, ``ELU(alpha=2)``,
    ``Sigmoid · Xavier``, ``Custom: x*sigmoid(x)``, ``log_softmax`` …"""
    if activations.is_custom_label(label) or activations.is_custom(label):
        return activations.CUSTOM_PREFIX
    base = re.split(r" · |\(", label, maxsplit=1)[0].strip()
    if base in activations.names() or base in OUTPUT_FUNCTIONS or gated.is_gated(base):
        return base
    by_display = {activations.display_name(n): n for n in activations.names()}
    by_display |= {unit.display_name: unit.id for unit in gated.UNITS}
    return by_display.get(base) or (base.lower() if base.lower() in NO_ACTIVATION_LABELS else None)


def label_style(label: str) -> SeriesStyle | None:
    """The fixed style of a series label as charts print it (display names, with parameters),
    or ``None`` when the label is not an activation (a network, a class, a metric)."""
    name = _id_of_label(label)
    if name is None:
        return None
    if name == activations.CUSTOM_PREFIX:
        return CUSTOM_STYLE
    return activation_style(name)


def styles(labels: Iterable[str]) -> dict[str, SeriesStyle]:
    """``{label: SeriesStyle}`` for the series of one chart, in their order.

    Activations get their fixed style; other labels (networks, metrics) get the first
    (colour, dash) pairs no activation of this chart uses, so they stay distinct.
    """
    domain = list(dict.fromkeys(str(label) for label in labels))
    fixed = {label: label_style(label) for label in domain}
    chosen: dict[str, SeriesStyle] = {}
    taken: set[tuple[str, tuple[int, ...]]] = set()
    for label, style in fixed.items():
        if style is None:
            continue
        if (style.colour, style.dash) in taken:
            # The same function twice (Sigmoid · PyTorch default, Sigmoid · Xavier): same
            # colour, the next free dash.
            dashes = (d for d in DASHES if (style.colour, d) not in taken)
            style = SeriesStyle(style.colour, next(dashes, style.dash), style.width)
        chosen[label] = style
        taken.add((style.colour, style.dash))
    free = (
        style
        for position in range(len(HUES) * len(DASHES))
        if ((style := _style_by_position(position)).colour, style.dash) not in taken
    )
    return {label: chosen[label] if label in chosen else next(free) for label in domain}


def colour_scale(labels: Iterable[str]) -> alt.Scale:
    """``alt.Scale`` mapping each label to its colour (domain = the labels, in order)."""
    chosen = styles(labels)
    return alt.Scale(domain=list(chosen), range=[style.colour for style in chosen.values()])


def dash_scale(labels: Iterable[str]) -> alt.Scale:
    """``alt.Scale`` mapping each label to its dash pattern."""
    chosen = styles(labels)
    return alt.Scale(domain=list(chosen), range=[list(style.dash) for style in chosen.values()])


def color(
    field: str, labels: Iterable[str], title: str | None = None, legend: Any = alt.Undefined
) -> alt.Color:
    """``alt.Color`` of a nominal ``field`` whose values are ``labels``, in their fixed colours."""
    return alt.Color(f"{field}:N", title=title or field, scale=colour_scale(labels), legend=legend)


def stroke_dash(
    field: str, labels: Iterable[str], title: str | None = None, legend: Any = alt.Undefined
) -> alt.StrokeDash:
    """``alt.StrokeDash`` of the same field: with ``color`` under the same title, Vega-Lite draws
    one legend whose symbols show colour and dash together."""
    return alt.StrokeDash(
        f"{field}:N", title=title or field, scale=dash_scale(labels), legend=legend
    )
