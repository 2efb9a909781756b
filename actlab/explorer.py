"""What the Activation Explorer shows, as DataFrames: curves, derivative checks, saturation zones.

A *selection* maps catalogue ids to their parameter values, e.g. ``{"elu": {"alpha": 0.5}}``;
missing parameters take torch's defaults. The page reads four typed results: ``curve_set``
(every curve on one grid, with the derivative check), ``chart_rows`` (what one chart draws),
``image_view`` (the functions applied to a digit) and ``formula_card`` (one function's formulas).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from actlab import activations, bundled, validate
from actlab.i18n import N_, Refusal, _

Selection = Mapping[str, Mapping[str, float]]
MIN_POINTS, MAX_POINTS = 11, 20001
X_LIMIT = 1000.0
DRAWN_LIMIT = 1e6  # |f| or |f′| beyond this is left out of the charts (and said so)
CHART_KINDS = ("f", "df", "d2f", "check")  # f, f′, f″, and autograd f′ against the closed form


def x_grid(x_min: float, x_max: float, points: int) -> torch.Tensor:
    """An evenly spaced float64 grid, validated so a bad range never reaches torch."""
    for label, value in (("x_min", x_min), ("x_max", x_max)):
        if not math.isfinite(value) or abs(value) > X_LIMIT:
            raise Refusal(
                N_("{name} must be finite and within ±{limit}, got {value}"),
                name=label,
                limit=f"{X_LIMIT:g}",
                value=repr(value),
            )
    if x_min >= x_max:
        raise Refusal(
            N_("x range is empty: x_min={low} must be below x_max={high}"),
            low=f"{x_min:g}",
            high=f"{x_max:g}",
        )
    if not MIN_POINTS <= int(points) <= MAX_POINTS:
        raise Refusal(
            N_("resolution must be {low}..{high} points, got {value}"),
            low=MIN_POINTS,
            high=MAX_POINTS,
            value=repr(points),
        )
    return torch.linspace(x_min, x_max, int(points), dtype=torch.float64)


def curves(selection: Selection, x_min: float, x_max: float, points: int) -> pd.DataFrame:
    """Long table ``activation, id, x, f, df, df_exact, d2f`` for every selected function."""
    if not selection:
        raise Refusal(N_("select at least one activation"))
    x = x_grid(x_min, x_max, points)
    frames = []
    for name, params in selection.items():
        frame = activations.evaluate(name, x, **params)
        frame.insert(0, "id", name)
        frame.insert(0, "activation", activations.display_name(name))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _near_breakpoint(x: np.ndarray, points: list[float], width: float) -> np.ndarray:
    near = np.zeros_like(x, dtype=bool)
    for p in points:
        near |= np.abs(x - p) <= width
    return near


def derivative_check(selection: Selection, table: pd.DataFrame) -> pd.DataFrame:
    """Per function: max |autograd f' - closed-form f'| away from kinks, and torch's kink values.

    "Away from kinks" excludes grid points within 1e-9 of a listed breakpoint, where f' is not
    defined and any value is a convention. The kink column says which value torch picked.
    """
    rows = []
    for name, params in selection.items():
        resolved = activations.resolve_params(name, params)
        entry = activations.get(name)
        part = table[table["id"] == name]
        if entry.derivative is None:
            rows.append(
                {
                    _("activation"): entry.display_name,
                    _("max |autograd − closed form|"): float("nan"),
                    _("points compared"): 0,
                    _("torch's f' at kinks"): _("typed formula: no closed form, autograd only"),
                }
            )
            continue
        kinks = entry.breakpoints(resolved)
        away = ~_near_breakpoint(part["x"].to_numpy(), kinks, 1e-9)
        diff = (part["df"] - part["df_exact"]).abs().to_numpy()[away]
        rows.append(
            {
                _("activation"): entry.display_name,
                _("max |autograd − closed form|"): float(diff.max()) if diff.size else 0.0,
                _("points compared"): int(away.sum()),
                _("torch's f' at kinks"): kink_conventions(name, resolved) or _("no kinks"),
            }
        )
    return pd.DataFrame(rows)


def kink_conventions(name: str, params: Mapping[str, float]) -> str:
    """E.g. ``x=0: torch f'=0 (left 0, right 1)`` for every breakpoint of ``name``."""
    entry = activations.get(name)
    notes = []
    for p in entry.breakpoints(params):
        probe = torch.tensor([p, p - 1e-7, p + 1e-7], dtype=torch.float64)
        _f, df, _d2f = activations.derivatives(name, probe, **params)
        notes.append(
            _("x={x}: torch f'={value} (left {left}, right {right})").format(
                x=f"{p:g}",
                value=f"{df[0].item():.4g}",
                left=f"{df[1].item():.4g}",
                right=f"{df[2].item():.4g}",
            )
        )
    return "; ".join(notes)


def split_undefined(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(rows the charts draw, rows left out per function)``.

    Left out: points where f or f′ is NaN or ±∞ (``undefined``: log(x) for x < 0) or beyond
    ±``DRAWN_LIMIT`` (``huge``: 1/x near 0 reaches 5e15, and one such curve would flatten every
    other one to a line). Only typed formulas get there; the catalogue stays far inside.
    ``points`` is the sum of both.
    """
    values = table[["f", "df"]].to_numpy()
    undefined = ~np.isfinite(values).all(axis=1)
    with np.errstate(invalid="ignore"):
        huge = ~undefined & (np.abs(values) > DRAWN_LIMIT).any(axis=1)
    counts = (
        pd.DataFrame({"activation": table["activation"], "undefined": undefined, "huge": huge})
        .loc[undefined | huge]
        .groupby("activation", sort=False)[["undefined", "huge"]]
        .sum()
        .astype(int)
        .reset_index()
    )
    counts.insert(1, "points", counts["undefined"] + counts["huge"])
    return table.loc[~(undefined | huge)], counts


def left_out_note(left_out: pd.DataFrame) -> str:
    """One sentence naming what ``split_undefined`` left out of the charts, per function."""
    parts = []
    for row in left_out.itertuples():
        reasons = []
        if row.undefined:
            reasons.append(_("{count} undefined (NaN or ±∞)").format(count=row.undefined))
        if row.huge:
            reasons.append(
                _("{count} beyond ±{limit} in f or f′").format(
                    count=row.huge, limit=f"{DRAWN_LIMIT:.0e}"
                )
            )
        parts.append(
            _("{activation}: {reasons} of the points").format(
                activation=row.activation, reasons=_(" and ").join(reasons)
            )
        )
    return _("Left out of the charts and the CSV: {parts}.").format(parts="; ".join(parts))


def thinned(
    table: pd.DataFrame, columns: list[str], max_rows: int, rows_per_point: int = 1
) -> tuple[pd.DataFrame, int]:
    """``activation``, ``x`` and ``columns`` of ``table`` at every k-th grid point (the last
    one kept), k as small as keeps the chart within ``max_rows`` rows (``rows_per_point`` per
    function and point); and how many grid points each curve keeps.

    A chart is ~700 px wide: 25 curves of 3201 points would ship 80,000 rows (5.4 MiB per chart
    spec, cached per view) for no visible difference.
    """
    keep = ["activation", "x", *columns]
    grid = np.unique(table["x"].to_numpy())
    step = max(1, math.ceil(len(table) * rows_per_point / max_rows))
    if step == 1:
        return table[keep], len(grid)
    chosen = np.union1d(grid[::step], grid[-1:])
    return table.loc[table["x"].isin(chosen), keep], len(chosen)


def drawn_points_note(drawn: int, points: int) -> str:
    """The x axis title: says when a chart draws fewer points than the table holds."""
    if drawn >= points:
        return "x"
    return _("x ({drawn} of {points} points per curve drawn; the CSV has all)").format(
        drawn=f"{drawn:,}", points=f"{points:,}"
    )


def saturation_zones(table: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Intervals where |f'| < ``threshold``: the vanishing-gradient zone of each function.

    Returns ``activation, x_start, x_end`` with one row per maximal run of saturated grid points.
    """
    if not math.isfinite(threshold) or threshold <= 0:
        raise Refusal(
            N_("saturation threshold must be a positive number, got {value}"),
            value=repr(threshold),
        )
    rows = []
    for activation, part in table.groupby("activation", sort=False):
        x = part["x"].to_numpy()
        saturated = np.abs(part["df"].to_numpy()) < threshold
        edges = np.flatnonzero(np.diff(np.concatenate([[0], saturated.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            rows.append({"activation": activation, "x_start": x[start], "x_end": x[stop - 1]})
    return pd.DataFrame(rows, columns=["activation", "x_start", "x_end"])


def apply_to_image(image: np.ndarray, selection: Selection) -> dict[str, np.ndarray]:
    """Each selected activation applied pixel-wise to a (normalised) image, in float64."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float64))
    return {
        activations.display_name(name): activations.apply(name, x, **params).numpy()
        for name, params in selection.items()
    }


def diverging_rgb(values: np.ndarray, scale: int = 6) -> np.ndarray:
    """Blue (negative) - white (0) - red (positive) uint8 image, symmetric about 0, upscaled.

    Symmetric colours keep the sign visible: ReLU leaves no blue, tanh keeps both.
    """
    limit = float(np.abs(values).max()) or 1.0
    t = np.clip(values / limit, -1.0, 1.0)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    red, blue = np.array([190.0, 30.0, 45.0]), np.array([33.0, 82.0, 170.0])
    rgb = np.where(t >= 0, white + t * (red - white), white - t * (blue - white))
    rgb = rgb.round().astype(np.uint8)
    return np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8))


# --- what the page reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class CurveSet:
    """Every selected function on one grid of ``points`` points.

    ``table``: ``curves`` where f and f′ are finite (what is drawn and downloaded).
    ``undefined``: ``activation, points, undefined, huge``: what ``split_undefined`` left out.
    ``check``: ``derivative_check`` of ``table``, one row per function.
    """

    table: pd.DataFrame
    undefined: pd.DataFrame
    check: pd.DataFrame
    points: int


def curve_set(selection: Selection, x_min: float, x_max: float, points: int) -> CurveSet:
    """``curves`` split into its finite part and what is undefined, and checked."""
    table, undefined = split_undefined(curves(selection, x_min, x_max, points))
    return CurveSet(table, undefined, derivative_check(selection, table), int(points))


@dataclass(frozen=True)
class ChartRows:
    """What one Explorer chart draws: ``rows`` (``activation``, ``x`` and the ``kind``'s
    columns, thinned to a chart's width), the saturation ``zones`` to shade (or ``None``) and
    the x axis title (which says when points were left out)."""

    kind: str
    rows: pd.DataFrame
    zones: pd.DataFrame | None
    x_title: str


def chart_rows(curves: CurveSet, kind: str, threshold: float, max_rows: int) -> ChartRows:
    """The rows of the ``kind`` chart (``CHART_KINDS``), at most ``max_rows`` of them.

    ``f`` and ``df`` are shaded where |f′| < ``threshold`` (none at 0), from every grid point.
    """
    kind = validate.choice("chart", kind, CHART_KINDS)
    if kind == "check":
        rows, kept = thinned(curves.table, ["df", "df_exact"], max_rows, rows_per_point=2)
    else:
        rows, kept = thinned(curves.table, [kind], max_rows)
    shaded = threshold > 0 and kind in ("f", "df")
    zones = saturation_zones(curves.table, threshold) if shaded else None
    return ChartRows(kind, rows, zones, drawn_points_note(kept, curves.points))


@dataclass(frozen=True)
class ImageView:
    """A test digit (normalised) and each function applied to it, as diverging RGB pictures;
    ``ranges``: each output's (min, max)."""

    digit: np.ndarray
    pictures: dict[str, np.ndarray]
    ranges: dict[str, tuple[float, float]]

    def caption(self, name: str) -> str:
        """``name: [min, max]`` to two decimals, without a negative zero (``-0.00``)."""
        low, high = (f"{value:.2f}" for value in self.ranges[name])
        return f"{name}: [{low.replace('-0.00', '0.00')}, {high.replace('-0.00', '0.00')}]"


def image_view(index: int, selection: Selection) -> ImageView:
    """Test digit ``index`` and every selected function applied to it, pixel by pixel."""
    image = bundled.normalized_digit(index)
    outputs = apply_to_image(image, selection)
    return ImageView(
        digit=diverging_rgb(image),
        pictures={name: diverging_rgb(values) for name, values in outputs.items()},
        ranges={name: (float(v.min()), float(v.max())) for name, v in outputs.items()},
    )


@dataclass(frozen=True)
class FormulaCard:
    """One function's formulas as the page lists them: ``latex`` (f and f′) for a catalogue
    function, or the ``typed`` formula text (no closed form)."""

    heading: str
    latex: tuple[str, ...]
    typed: str | None
    torch_call: str
    origin: str
    note: str


def formula_card(name: str) -> FormulaCard:
    entry = activations.get(name)
    closed_form = bool(entry.latex_f)
    return FormulaCard(
        heading=f"{entry.display_name} — {_(entry.description)}",
        latex=(rf"f(x) = {entry.latex_f}", rf"f'(x) = {entry.latex_df}") if closed_form else (),
        typed=None if closed_form else f"f(x) = {name.removeprefix(activations.CUSTOM_PREFIX)}",
        torch_call=entry.torch_call,
        origin=entry.origin,
        note=_(entry.note) if entry.note else "",
    )
