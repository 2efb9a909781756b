"""Argument checks every actlab module uses, with one error style.

Pages pass visitors' values straight to actlab, so every public function checks its arguments
and raises ``ValueError`` with a message a student can act on: what the argument is, what it
must be, and what it got (``depth must be between 2 and 50, got 80``). The page shows that
message as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import TypeVar

T = TypeVar("T")


def integer(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (either bound may be open-ended).

    Booleans and floats are refused even when whole (``True`` or ``3.0`` is not a count).
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be {_interval(low, high)}, got {number}")
    return number


def number(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite ``float`` within the bounds; ``low_open`` excludes ``low`` itself
    (``number("lr", lr, 0, 10, low_open=True)`` means 0 < lr ≤ 10)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    result = float(value)
    inside = (result > low if low_open else result >= low) and (
        result < high if high_open else result <= high
    )
    if not (math.isfinite(result) and inside):
        where = _range_text(low, high, low_open, high_open)
        raise ValueError(f"{name} must be a finite number{where}, got {value!r}")
    return result


def positive(name: str, value: object, high: float = math.inf) -> float:
    """A finite number in (0, high]."""
    return number(name, value, 0.0, high, low_open=True)


def choice(name: str, value: T, options: Iterable[T]) -> T:
    """``value`` if it is one of ``options``."""
    options = list(options)
    if value not in options:
        listed = ", ".join(str(option) for option in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def _interval(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f" {'>' if low_open else '≥'} {low:g}"
    if math.isinf(low):
        return f" {'<' if high_open else '≤'} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
