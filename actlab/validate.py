"""Argument checks every actlab module uses, with one error style.

Pages pass visitors' values straight to actlab, so every public function checks its arguments
and raises ``ValueError`` with a message a student can act on: what the argument is, what it
must be, and what it got (``depth must be between 2 and 50, got 80``). The error is a
``Refusal``: the page shows it in the visitor's language, and the argument's name is translated
too where its caller marked it (``validate.integer(N_("batch size"), ...)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TypeVar

from actlab.i18n import N_, Message, Refusal, _

T = TypeVar("T")


@dataclass(frozen=True)
class _Name(Message):
    """An argument's name in a message: translated when its caller marked it, never formatted
    (a name may be typed by a visitor, braces and all)."""

    def localized(self) -> str:
        return _(self.template)

    def __str__(self) -> str:
        return self.template


def integer(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (either bound may be open-ended).

    Booleans and floats are refused even when whole (``True`` or ``3.0`` is not a count).
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise Refusal(
            N_("{name} must be an integer, got {value}"), name=_Name(name), value=repr(value)
        )
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            template = N_("{name} must be between {low} and {high}, got {value}")
        elif low is not None:
            template = N_("{name} must be at least {low}, got {value}")
        else:
            template = N_("{name} must be at most {high}, got {value}")
        raise Refusal(template, name=_Name(name), low=low, high=high, value=number)
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
        raise Refusal(
            N_("{name} must be a number, got {value}"), name=_Name(name), value=repr(value)
        )
    result = float(value)
    inside = (result > low if low_open else result >= low) and (
        result < high if high_open else result <= high
    )
    if not (math.isfinite(result) and inside):
        template, bound = _range_template(low, high, low_open, high_open)
        raise Refusal(template, name=_Name(name), value=repr(value), **bound)
    return result


def positive(name: str, value: object, high: float = math.inf) -> float:
    """A finite number in (0, high]."""
    return number(name, value, 0.0, high, low_open=True)


def choice(name: str, value: T, options: Iterable[T]) -> T:
    """``value`` if it is one of ``options``."""
    options = list(options)
    if value not in options:
        listed = ", ".join(str(option) for option in options)
        raise Refusal(
            N_("{name} must be one of {options}; got {value}"),
            name=_Name(name),
            options=listed,
            value=repr(value),
        )
    return value


def _range_template(
    low: float, high: float, low_open: bool, high_open: bool
) -> tuple[str, dict[str, str]]:
    """The message for a number outside its bounds, and its ``bound`` argument (``≥ 0``,
    ``(0, 10]``)."""
    if math.isinf(low) and math.isinf(high):
        return N_("{name} must be a finite number, got {value}"), {}
    if math.isinf(high):
        bound = f"{'>' if low_open else '≥'} {low:g}"
        return N_("{name} must be a finite number {bound}, got {value}"), {"bound": bound}
    if math.isinf(low):
        bound = f"{'<' if high_open else '≤'} {high:g}"
        return N_("{name} must be a finite number {bound}, got {value}"), {"bound": bound}
    bound = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    return N_("{name} must be a finite number in {bound}, got {value}"), {"bound": bound}
