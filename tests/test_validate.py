"""actlab.validate: one style of argument check for every module."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import validate


def test_integer_accepts_ints_in_range_and_names_the_argument_otherwise():
    assert validate.integer("depth", 5, 2, 50) == 5
    assert validate.integer("seed", np.int64(3), 0) == 3
    for bad in (True, 3.0, "3", None):
        with pytest.raises(ValueError, match="depth must be an integer"):
            validate.integer("depth", bad, 2, 50)
    with pytest.raises(ValueError, match="depth must be between 2 and 50, got 80"):
        validate.integer("depth", 80, 2, 50)
    with pytest.raises(ValueError, match="at least 1"):
        validate.integer("epochs", 0, 1)


def test_number_checks_finiteness_and_open_or_closed_bounds():
    assert validate.number("x", 2, 0, 10) == 2.0
    assert validate.positive("lr", 10.0, 10.0) == 10.0
    for bad in (math.inf, math.nan, 0.0, -1.0):
        with pytest.raises(ValueError, match=r"lr must be a finite number in \(0, 10\]"):
            validate.positive("lr", bad, 10.0)
    with pytest.raises(ValueError, match="must be a number"):
        validate.number("x", "1")
    with pytest.raises(ValueError, match="≥ 0"):
        validate.number("noise", -0.1, 0)


def test_choice_lists_the_options():
    assert validate.choice("init", "xavier", ["xavier", "kaiming"]) == "xavier"
    with pytest.raises(ValueError, match="init must be one of xavier, kaiming; got 'he'"):
        validate.choice("init", "he", ["xavier", "kaiming"])
