"""A Train button, curves redrawn while the training runs, and finished runs kept for everyone.

Any page that trains something short and seeded can use it. The page gives three things:

- ``key``: a hashable description of the configuration. Trainings are seeded, so the same key
  gives the same result: a finished run is kept (``FinishedRuns``) and shown to every visitor
  who asks for that configuration, without training again;
- ``start()``: the training as an iterator of snapshots (``LiveSnapshot``: step, total steps,
  seconds, messages, finished), e.g. ``short_training.train_single_threaded(runs)``;
- ``draw(snapshot, live)``: how one snapshot looks. ``live`` is true while it trains (the
  charts alone, redrawn about four times a second), false for the finished run (with
  downloads: ``show_chart`` does both).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Generic, Protocol, TypeVar

import altair as alt
import pandas as pd
import streamlit as st

from actlab import budget
from ui.export import chart_with_downloads, draw
from ui.i18n import _
from ui.safe_text import literal

REDRAW_SECONDS = 0.25  # the live charts are redrawn at most this often


class LiveSnapshot(Protocol):
    """What the harness reads of a snapshot (``short_training.Snapshot`` is one)."""

    step: int
    total_steps: int
    seconds: float
    finished: bool
    messages: Mapping[str, str]


S = TypeVar("S", bound=LiveSnapshot)


class FinishedRuns(Generic[S]):
    """Finished runs by key, oldest first: at most ``keep``, none older than ``ttl_seconds``.

    Shared by every session of the server (they run in threads of one process), hence the lock.
    """

    def __init__(
        self,
        keep: int = budget.FINISHED_RUNS_KEPT,
        ttl_seconds: float = budget.CACHE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keep, self.ttl_seconds, self.clock = keep, ttl_seconds, clock
        self._runs: OrderedDict[Hashable, tuple[float, S]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: Hashable, snapshot: S) -> None:
        with self._lock:
            self._runs.pop(key, None)
            self._runs[key] = (self.clock(), snapshot)
            self._expire()

    def get(self, key: Hashable) -> S | None:
        with self._lock:
            self._expire()
            entry = self._runs.get(key)
        return None if entry is None else entry[1]

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._runs)

    def _expire(self) -> None:
        too_old = self.clock() - self.ttl_seconds
        while self._runs and (
            len(self._runs) > self.keep or next(iter(self._runs.values()))[0] < too_old
        ):
            self._runs.popitem(last=False)


def said(message: str) -> str:
    """A message of a training (it ran on another thread, in no language): in the page's
    language where it can say itself so (``localized()``), else as it is."""
    localized = getattr(message, "localized", None)
    return localized() if callable(localized) else str(message)


@st.cache_resource(show_spinner=False)
def finished_runs(page: str) -> FinishedRuns:
    """The server's finished runs of one page (``page`` keeps pages' keys apart)."""
    return FinishedRuns()


def train_live(snapshots: Iterator[S], draw_snapshot: Callable[[S, bool], None]) -> S:
    """Run the training, with a progress bar and the charts redrawn into a placeholder about
    four times a second; both are cleared at the end. Returns the last (finished) snapshot."""
    bar = st.progress(0.0, text=_("Starting…"))
    area = st.empty()
    drawn_at = 0.0
    snapshot = None
    for snapshot in snapshots:
        bar.progress(
            snapshot.step / snapshot.total_steps,
            text=_("step {step} / {total} · {seconds} s").format(
                step=snapshot.step, total=snapshot.total_steps, seconds=f"{snapshot.seconds:.1f}"
            ),
        )
        if not snapshot.finished and time.perf_counter() - drawn_at > REDRAW_SECONDS:
            with area.container():
                draw_snapshot(snapshot, True)
            drawn_at = time.perf_counter()
    bar.empty()
    area.empty()
    return snapshot


def training_section(
    page: str,
    key: Hashable,
    start: Callable[[], Iterator[S]],
    draw_snapshot: Callable[[S, bool], None],
    *,
    button_key: str,
) -> S | None:
    """A Train button, live charts while it runs, and the finished run afterwards (its
    messages as warnings, its time, ``draw_snapshot(result, False)``). Returns the finished
    snapshot, or ``None`` before anyone trained this ``key``."""
    runs = finished_runs(page)
    if st.button(_("Train"), key=button_key, type="primary", icon=":material/play_arrow:"):
        runs.add(key, train_live(start(), draw_snapshot))
    result = runs.get(key)
    if result is None:
        st.info(_("Press **Train**: the curves update live while it trains."))
        return None
    for message in result.messages.values():
        st.warning(literal(said(message)), icon=":material/warning:")
    st.caption(_("Trained in {seconds} s.").format(seconds=f"{result.seconds:.1f}"))
    draw_snapshot(result, False)
    return result


def show_chart(chart: alt.TopLevelMixin, data: pd.DataFrame, name: str, live: bool) -> None:
    """While training: the chart alone; finished: with PNG / SVG / CSV downloads."""
    if live:
        draw(chart)
    else:
        chart_with_downloads(chart, data, name)
