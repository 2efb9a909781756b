"""Your own playground data: an uploaded CSV of x1, x2, label, or points drawn with the mouse.

Both arrive from a visitor, so both are bounded (bytes, rows, coordinates) and checked before
use; a bad CSV line is refused with its line number and what is wrong with it, a bad drawn
point with its index. Labels follow the playground: class indices 0, 1, 2 (TF's −1/+1 are read
as classes 0/1), or, when the labels are not all such classes, regression targets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from actlab import toydata
from actlab.i18n import N_, Message, Refusal
from actlab.playground import CUSTOM, PlaygroundConfig

MAX_CSV_BYTES = 256 * 1024
MAX_ROWS = 2000
MAX_DRAWN = 2000
MAX_COORDINATE = 1000.0  # |x1|, |x2| (and |target|): keeps the drawn square and features sane
MIN_POINTS = 4
SHOWN = 24  # characters of a bad field echoed back in a message


@dataclass(frozen=True)
class Points:
    """Parsed points: ``x`` float64 ``[n, 2]``, ``y`` ``[n]`` (class index, or target),
    ``n_classes`` 2 or 3 (0: regression)."""

    x: np.ndarray
    y: np.ndarray
    n_classes: int

    @property
    def task(self) -> str:
        return "classification" if self.n_classes else "regression"


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")


def _line(number: int) -> Message:
    return Message(N_("line {number}"), {"number": number})


def _point(index: int) -> Message:
    return Message(N_("point {index}"), {"index": index})


def _number(field: str, what: str, where: Message) -> float:
    try:
        value = float(field)
    except ValueError:
        raise Refusal(
            N_("{where}: {what} is not a number: {field}"),
            where=where,
            what=Message(what),
            field=_shown(field),
        ) from None
    if not math.isfinite(value):
        raise Refusal(
            N_("{where}: {what} must be finite, got {field}"),
            where=where,
            what=Message(what),
            field=_shown(field),
        )
    if abs(value) > MAX_COORDINATE:
        raise Refusal(
            N_("{where}: {what} must be within ±{limit}, got {value}"),
            where=where,
            what=Message(what),
            limit=f"{MAX_COORDINATE:g}",
            value=f"{value:g}",
        )
    return value


def parse_csv(content: str | bytes, task: str | None = None) -> Points:
    """Points from CSV text: one ``x1,x2,label`` per line, an optional header line of names,
    blank lines ignored. ``task`` forces "classification" or "regression" (None: decided by
    the labels). ``ValueError`` names the line and the problem."""
    if task not in (None, "classification", "regression"):
        # internal: the page passes the task of the chosen problem type
        raise ValueError(f"task must be classification or regression, got {task!r}")
    if isinstance(content, bytes):
        if len(content) > MAX_CSV_BYTES:
            raise Refusal(N_("the file is larger than {limit} KiB"), limit=MAX_CSV_BYTES // 1024)
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise Refusal(
                N_("the file is not UTF-8 text (byte {byte})"), byte=error.start
            ) from None
    if len(content.encode("utf-8")) > MAX_CSV_BYTES:
        raise Refusal(N_("the file is larger than {limit} KiB"), limit=MAX_CSV_BYTES // 1024)
    content = content.removeprefix("\ufeff")
    rows: list[tuple[float, float, float]] = []
    lines: list[int] = []
    for number, line in enumerate(content.splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        fields = [field.strip() for field in text.split(",")]
        if not rows and not lines and _is_header(fields):
            lines.append(0)  # the header: remembered so a second one is an error
            continue
        where = _line(number)
        if len(fields) != 3:
            raise Refusal(
                N_("{where}: expected 3 values (x1, x2, label), got {count}"),
                where=where,
                count=len(fields),
            )
        x1 = _number(fields[0], "x1", where)
        x2 = _number(fields[1], "x2", where)
        label = _number(fields[2], N_("label"), where)
        if len(rows) == MAX_ROWS:
            raise Refusal(
                N_("{where}: more than {rows} data rows"), where=where, rows=f"{MAX_ROWS:,}"
            )
        rows.append((x1, x2, label))
        lines.append(number)
    if len(rows) < MIN_POINTS:
        raise Refusal(
            N_("at least {minimum} data rows are needed, got {count}"),
            minimum=MIN_POINTS,
            count=len(rows),
        )
    data = np.array(rows, dtype=np.float64)
    return _labelled(data[:, :2], data[:, 2], task, [_line(n) for n in lines if n])


def _is_header(fields: list[str]) -> bool:
    """A first line whose fields are all names (not numbers) is a header."""

    def numeric(field: str) -> bool:
        try:
            float(field)
        except ValueError:
            return False
        return True

    return len(fields) == 3 and not any(numeric(field) for field in fields)


def _labelled(x: np.ndarray, labels: np.ndarray, task: str | None, where: list[Message]) -> Points:
    """Decide classes or targets and check there is enough of each class to split."""
    classes = _as_classes(labels)
    if task == "classification" and classes is None:
        bad = next(i for i, v in enumerate(labels) if not (float(v).is_integer() and 0 <= v <= 2))
        raise Refusal(
            N_("{where}: a class label is 0, 1 or 2 (or TF's -1/+1), got {label}"),
            where=where[bad],
            label=f"{labels[bad]:g}",
        )
    if task == "regression" or classes is None:
        return Points(x, labels.astype(np.float64), 0)
    counts = np.bincount(classes, minlength=2)
    present = int((counts > 0).sum())
    if present < 2:
        raise Refusal(
            N_("classification needs at least two classes; every point is class {label}"),
            label=classes[0],
        )
    for label, count in enumerate(counts):
        if count == 1:
            raise Refusal(
                N_(
                    "class {label} has a single point: each class needs two, one to train on "
                    "and one to test"
                ),
                label=label,
            )
    return Points(x, classes, 3 if len(counts) > 2 and counts[2] else 2)


def _as_classes(labels: np.ndarray) -> np.ndarray | None:
    """Class indices when every label is 0/1/2, or TF's −1/+1; else None (regression)."""
    values = set(np.unique(labels).tolist())
    if values <= {0.0, 1.0, 2.0}:
        return labels.astype(np.int64)
    if values <= {-1.0, 1.0}:
        return (labels > 0).astype(np.int64)
    return None


def drawn_points(items: object) -> Points:
    """Points the visitor drew: a list of ``[x1, x2, class]`` (class 0, 1 or 2), at most
    ``MAX_DRAWN``. ``ValueError`` names the first bad point by its index."""
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise Refusal(N_("drawn points must be a list of [x1, x2, class]"))
    if len(items) > MAX_DRAWN:
        raise Refusal(
            N_("at most {limit} drawn points, got {count}"),
            limit=f"{MAX_DRAWN:,}",
            count=f"{len(items):,}",
        )
    if len(items) < MIN_POINTS:
        raise Refusal(
            N_("draw at least {minimum} points, got {count}"), minimum=MIN_POINTS, count=len(items)
        )
    x = np.empty((len(items), 2))
    y = np.empty(len(items))
    for index, item in enumerate(items):
        where = _point(index)
        if not isinstance(item, Sequence) or isinstance(item, str | bytes) or len(item) != 3:
            raise Refusal(N_("{where}: expected [x1, x2, class]"), where=where)
        for axis, value in enumerate(item[:2]):
            if isinstance(value, bool) or not isinstance(value, Real):
                raise Refusal(
                    N_("{where}: x{axis} must be a number, got {value}"),
                    where=where,
                    axis=axis + 1,
                    value=_shown(str(value)),
                )
            value = float(value)
            if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
                raise Refusal(
                    N_("{where}: x{axis} must be finite and within ±{limit}, got {value}"),
                    where=where,
                    axis=axis + 1,
                    limit=f"{MAX_COORDINATE:g}",
                    value=value,
                )
            x[index, axis] = value
        label = item[2]
        whole = isinstance(label, Integral) or (
            isinstance(label, Real) and float(label).is_integer()
        )
        if isinstance(label, bool) or not whole or not 0 <= label <= 2:
            raise Refusal(
                N_("{where}: class must be 0, 1 or 2, got {label}"),
                where=where,
                label=_shown(str(label)),
            )
        y[index] = label
    return _labelled(x, y, "classification", [_point(i) for i in range(len(items))])


def custom_data(
    points: Points, train_fraction: float = 0.5, seed: int = 0, view: float = 0.0
) -> toydata.ToyData:
    """Your points as the playground's data, split like the built-in sets (stratified).
    ``view``: the half-width of the square they were drawn on (e.g. TF's 6), so the view does
    not jump when drawing; 0 fits the square to the points."""
    if not (math.isfinite(view) and 0 <= view <= MAX_COORDINATE):
        raise Refusal(
            N_("view must be between 0 and {limit}, got {value}"),
            limit=f"{MAX_COORDINATE:g}",
            value=repr(view),
        )
    return toydata.split(CUSTOM, points.x, points.y, points.n_classes, train_fraction, seed, view)


def custom_config(points: Points, **changes: object) -> PlaygroundConfig:
    """A configuration for training on ``points`` (``dataset="custom"``, its number of
    classes); ``changes`` set the other fields."""
    return PlaygroundConfig(dataset=CUSTOM, custom_classes=points.n_classes, **changes)
