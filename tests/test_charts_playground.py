"""actlab.charts.playground: the component's colours stay apart for colour-blind viewers.

Each colour vision deficiency is simulated with Machado, Oliveira & Fernandes (2009), severity
1.0, on linear RGB; two colours must stay at least ``MIN_DISTANCE`` apart (sRGB, 0-255) under
normal vision and under each simulation.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from actlab.charts.palette import HUES
from actlab.charts.playground import CLASS_HEX, REGRESSION_HEX

# Machado et al. 2009, Table: severity 1.0.
SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
MIN_DISTANCE = 60.0


def srgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def simulate(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    c = srgb(hex_colour) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    seen = np.clip(matrix @ linear, 0, 1)
    back = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
    return back * 255


@pytest.mark.parametrize("vision", SIMULATIONS)
@pytest.mark.parametrize(
    "pair",
    [*itertools.combinations(CLASS_HEX, 2), tuple(REGRESSION_HEX)],
)
def test_class_and_regression_colours_stay_apart(vision, pair):
    first, second = (simulate(c, SIMULATIONS[vision]) for c in pair)
    assert np.linalg.norm(first - second) >= MIN_DISTANCE, (vision, pair)


def test_the_simulation_is_not_vacuous():
    """Red and green, the classic pair, do collapse under deuteranopia."""
    red, green = (simulate(c, SIMULATIONS["deuteranopia"]) for c in ("#d62728", "#2ca02c"))
    assert np.linalg.norm(red - green) < MIN_DISTANCE


def test_classes_use_the_apps_palette_and_regression_never_a_class_colour():
    assert set(CLASS_HEX) <= set(HUES)
    assert CLASS_HEX[:2] == ("#E69F00", "#0072B2")  # TF Playground's orange and blue roles
    assert not set(REGRESSION_HEX) & set(CLASS_HEX)
