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


def test_a_refusal_reads_in_chinese_with_a_marked_name_translated_and_a_typed_one_kept():
    from actlab import i18n

    with pytest.raises(ValueError) as caught:
        validate.integer("depth", 80, 2, 50)  # a marked text: its translation is used
    assert str(caught.value) == "depth must be between 2 and 50, got 80"
    with i18n.using("zh-CN"):
        assert caught.value.localized() == "深度 必须在 2 到 50 之间，收到的是 80"
    with pytest.raises(ValueError) as caught:
        validate.positive("{lr}", math.nan, 10.0)  # braces in a name are not a template
    assert str(caught.value) == "{lr} must be a finite number in (0, 10], got nan"
    with i18n.using("zh-CN"):
        assert caught.value.localized() == "{lr} 必须是 (0, 10] 内的有限数，收到的是 nan"
    with pytest.raises(ValueError) as caught:
        validate.choice("init_scheme", "he", ["xavier", "kaiming"])  # a name no page marks
    with i18n.using("zh-CN"):
        assert caught.value.localized() == "init_scheme 必须是 xavier, kaiming 之一；收到的是 'he'"
